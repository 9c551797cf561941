package app

import "testing"

func TestDefuseCell(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"", ""},
		{"深圳市鹏城海鲜酒家", "深圳市鹏城海鲜酒家"},
		{`=HYPERLINK("http://evil","x")`, `'=HYPERLINK("http://evil","x")`},
		{"+1", "'+1"}, {"-1", "'-1"}, {"@SUM(A1)", "'@SUM(A1)"}, {"\t=1", "'\t=1"}, {"\r=1", "'\r=1"},
		{"'", "'"}, {"'x", "'x"}, {"'=1", "''=1"}, {"''-1", "'''-1"},
		{"a=1", "a=1"},
	} {
		if got := DefuseCell(c.in); got != c.out {
			t.Errorf("DefuseCell(%q) = %q, want %q", c.in, got, c.out)
		}
		if back := RestoreCell(c.out); back != c.in {
			t.Errorf("RestoreCell(%q) = %q, want %q", c.out, back, c.in)
		}
	}
}
