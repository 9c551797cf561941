package domain

import (
	"strings"
	"testing"
	"time"
)

func TestPreferredOriginal(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	pdf := Original{SHA256: "p", MediaType: "application/pdf", CreatedAt: t0}
	pdf2 := Original{SHA256: "p2", MediaType: "application/pdf", CreatedAt: t0.Add(time.Hour)}
	ofd := Original{SHA256: "o", MediaType: "application/ofd", CreatedAt: t0.Add(time.Minute)}
	xml := Original{SHA256: "x", MediaType: "application/xml", CreatedAt: t0.Add(2 * time.Minute)}
	for _, c := range []struct {
		in   []Original
		want string
	}{
		{nil, ""},
		{[]Original{pdf2, pdf}, "p"},
		{[]Original{pdf, ofd}, "o"},
		{[]Original{pdf, ofd, xml}, "x"},
		{[]Original{xml, pdf}, "x"},
	} {
		got, ok := PreferredOriginal(c.in)
		if got.SHA256 != c.want || ok != (c.want != "") {
			t.Errorf("PreferredOriginal(%v) = %q, %v; want %q", c.in, got.SHA256, ok, c.want)
		}
	}
}

func TestValidSHA256(t *testing.T) {
	good := strings.Repeat("ab", 32)
	for s, want := range map[string]bool{
		good: true, strings.ToUpper(good): false, good[:63]: false, good + "0": false,
		"../" + good[3:]: false, strings.Repeat("g", 64): false,
	} {
		if ValidSHA256(s) != want {
			t.Errorf("ValidSHA256(%q) = %v", s, !want)
		}
	}
}
