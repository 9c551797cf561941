package web

import (
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

func TestSessionCookie(t *testing.T) {
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	s := newSessions("a-secret-of-at-least-thirty-two-chars", time.Hour, false, nil)
	s.now = func() time.Time { return now }
	want := app.Session{ID: "sid-1", EmployeeID: "emp-li", Channel: domain.ChannelOA, OpenID: "oSBX+/="}
	v := s.encode(want)
	if got, ok := s.decode(v); !ok || got != want {
		t.Fatalf("round trip: %+v %v", got, ok)
	}
	payload, sig, _ := strings.Cut(v, ".")
	for name, bad := range map[string]string{
		"empty":            "",
		"no signature":     payload,
		"bad signature":    payload + "." + strings.Repeat("A", len(sig)),
		"tampered payload": "x" + payload[1:] + "." + sig,
		"other key":        newSessions("another-secret-of-thirty-two-chars!!", time.Hour, false, nil).encode(want),
	} {
		if _, ok := s.decode(bad); ok {
			t.Errorf("%s accepted", name)
		}
	}
	now = now.Add(time.Hour)
	if _, ok := s.decode(v); ok {
		t.Error("expired session accepted")
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "/h5/",
		"/h5/approve":          "/h5/approve",
		"/h5/?x=1#frag":        "/h5/?x=1#frag",
		"//evil.example/":      "/h5/",
		"https://evil.example": "/h5/",
		"/\\evil.example":      "/h5/",
		"h5/":                  "/h5/",
		"/ok\r\nSet-Cookie: x": "/h5/",
		// Issue 15: browsers drop TAB, CR and LF inside URLs, so each of
		// these is "//evil.example" to them.
		"/\t/evil.example":   "/h5/",
		"/\x0b/evil.example": "/h5/",
		"/\x00/evil.example": "/h5/",
		"/.//evil.example":   "/h5/",
		"///evil.example":    "/h5/",
		"/h5/../finance?x=1": "/finance?x=1",
		"/h5/a b":            "/h5/a%20b",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestImportRequestShapes(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  importRequest
		want int
		ok   bool
	}{
		{"items", importRequest{Items: []pickedInvoice{{CardID: "p1", EncryptCode: "e+/="}}}, 1, true},
		{"string info", importRequest{ChooseInvoiceInfo: []byte(`"[{\"card_id\":\"p1\",\"encrypt_code\":\"e1\",\"app_id\":\"wx1\"},{\"card_id\":\"p2\",\"encrypt_code\":\"e2\"}]"`)}, 2, true},
		{"array info", importRequest{ChooseInvoiceInfo: []byte(`[{"card_id":"p1","encrypt_code":"e1"}]`)}, 1, true},
		{"camelCase info", importRequest{ChooseInvoiceInfo: []byte(`[{"cardId":"p1","encryptCode":"e1","appId":"wx"}]`)}, 1, true},
		{"both", importRequest{Items: []pickedInvoice{{CardID: "p", EncryptCode: "e"}}, ChooseInvoiceInfo: []byte(`[]`)}, 0, false},
		{"nothing", importRequest{}, 0, false},
		{"empty array", importRequest{ChooseInvoiceInfo: []byte(`[]`)}, 0, false},
		{"garbage string", importRequest{ChooseInvoiceInfo: []byte(`"not json"`)}, 0, false},
		{"number", importRequest{ChooseInvoiceInfo: []byte(`42`)}, 0, false},
		{"missing code", importRequest{Items: []pickedInvoice{{CardID: "p"}}}, 0, false},
		{"too many", importRequest{Items: make([]pickedInvoice, 101)}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items, err := tc.req.items()
			if tc.ok != (err == nil) || len(items) != tc.want {
				t.Fatalf("items = %d, err = %v", len(items), err)
			}
			if tc.ok && (items[0].Ref.CardID != "p1" || items[0].Ref.EncryptCode == "") {
				t.Fatalf("item %+v", items[0])
			}
		})
	}
}
