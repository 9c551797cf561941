package app

import (
	"strings"
	"testing"
	"time"
)

// Yuanian tokens: HS512 JWTs bound to one app and secret, with an expiry.
func TestYuanianToken(t *testing.T) {
	now := time.Unix(1760000000, 0)
	tok := mintToken("bxs_a", tokenClaims{Sub: "app_1", Salt: "s", Iat: now.Unix(), Exp: now.Add(YuanianTokenTTL).Unix()})
	if !strings.HasPrefix(tok, "eyJhbGciOiJIUzUxMiJ9.") {
		t.Fatalf("token %s", tok)
	}
	if err := checkToken("bxs_a", "app_1", tok, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		secret, app, tok string
		at               time.Time
	}{
		"expired":      {"bxs_a", "app_1", tok, now.Add(YuanianTokenTTL)},
		"another app":  {"bxs_a", "app_2", tok, now},
		"a new secret": {"bxs_b", "app_1", tok, now},
		"tampered":     {"bxs_a", "app_1", tok[:len(tok)-2] + "AA", now},
		"not a jwt":    {"bxs_a", "app_1", "abc", now},
		"other header": {"bxs_a", "app_1", "eyJhbGciOiJub25lIn0" + tok[strings.IndexByte(tok, '.'):], now},
	} {
		if err := checkToken(c.secret, c.app, c.tok, c.at); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
