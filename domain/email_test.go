package domain_test

import (
	"errors"
	"testing"

	"github.com/baoxiao/baoxiao/domain"
)

func TestParseEmail(t *testing.T) {
	for in, want := range map[string]string{"": "", " Li.Lei@Example.COM ": "li.lei@example.com", "a+b@x.cn": "a+b@x.cn"} {
		if got, err := domain.ParseEmail(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"li", "Li <li@example.com>", "li@localhost", "a@b@c.com", "li@example.com, x@example.com"} {
		if _, err := domain.ParseEmail(bad); !errors.Is(err, domain.ErrInvalidInput) {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}

func TestIntakeToken(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := domain.NewIntakeToken()
		if !domain.ValidIntakeToken(tok) || seen[tok] {
			t.Fatalf("token %q (seen %v)", tok, seen[tok])
		}
		seen[tok] = true
	}
	for _, bad := range []string{"", "short", "UPPERCASEABCD", "abcdefghijk0", "abcdefghijkl+"} {
		if domain.ValidIntakeToken(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
	e, err := domain.NewEmployee(domain.EmployeeData{ID: "emp-x", Name: "x", Email: "X@Example.com"}, t0)
	if err != nil || !domain.ValidIntakeToken(e.IntakeToken()) || e.Email() != "x@example.com" {
		t.Fatalf("new employee: %v %+v", err, e.Data())
	}
	if _, err := domain.NewEmployee(domain.EmployeeData{ID: "emp-x", Name: "x", IntakeToken: "bad"}, t0); !errors.Is(err, domain.ErrInvalidInput) {
		t.Fatalf("bad token accepted: %v", err)
	}
}
