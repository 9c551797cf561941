package web

import "testing"

func TestSafeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"inv_1.pdf":        "inv_1.pdf",
		"../../etc/passwd": "passwd",
		`C:\tmp\发票.pdf`:    "发票.pdf",
		"a\"b;c\r\nd.pdf":  "a_b_c__d.pdf",
		"..":               "original",
		"":                 "original",
		"  .hidden.xml ":   "hidden.xml",
	} {
		if got := safeFileName(in); got != want {
			t.Errorf("safeFileName(%q) = %q, want %q", in, got, want)
		}
	}
}
