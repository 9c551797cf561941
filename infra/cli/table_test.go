package cli

import (
	"bytes"
	"testing"
)

func TestDisplayWidth(t *testing.T) {
	for s, want := range map[string]int{
		"": 0, "emp-wang": 8, "王芳": 4, "系统管理员": 10, "ＡＢ": 4, "用友 NC": 7, "e\u0301": 1, "a\u200bb": 2, "¥": 1,
	} {
		if got := displayWidth(s); got != want {
			t.Errorf("displayWidth(%q) = %d, want %d", s, got, want)
		}
	}
}

// Columns line up on a terminal whatever the mix of Chinese and Latin
// text (issue 19: text/tabwriter counts runes).
func TestTableAlignsByDisplayWidth(t *testing.T) {
	var out bytes.Buffer
	tb := newTable(&out, "ID", "NAME", "ACTIVE")
	tb.row("emp-wang", "王芳", "true")
	tb.row("admin", "系统管理员", "true")
	tb.row("x", "Li Na", "false")
	if err := tb.flush(); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"ID        NAME        ACTIVE\n" +
		"emp-wang  王芳        true\n" +
		"admin     系统管理员  true\n" +
		"x         Li Na       false\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}
