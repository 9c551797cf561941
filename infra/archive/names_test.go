package archive

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSafeName(t *testing.T) {
	long := strings.Repeat("发", 60) + ".pdf" // 184 bytes
	tests := []struct{ in, want string }{
		{"发票.pdf", "发票.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\li\发票.xml`, "发票.xml"},
		{"..", "fallback"},
		{"", "fallback"},
		{" .hidden.pdf. ", "hidden.pdf"},
		{"a<b>c:d\"e|f?g*h.pdf", "a_b_c_d_e_f_g_h.pdf"},
		{"line\nbreak\x00.pdf", "line_break_.pdf"},
		{"rtl\u202egpj.pdf", "rtl_gpj.pdf"}, // a right-to-left override hides the real extension
		{"CON.pdf", "_CON.pdf"},
		{"lpt1", "_lpt1"},
		{"COM10.pdf", "COM10.pdf"},
		{"bad\xffutf8.xml", "bad_utf8.xml"},
		{"name.averyveryverylongextension", "name.averyveryverylongextension"},
	}
	for _, tt := range tests {
		if got := safeName(tt.in, "fallback"); got != tt.want {
			t.Errorf("safeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	got := safeName(long, "x")
	if len(got) > maxNameBytes || !strings.HasSuffix(got, ".pdf") || !utf8.ValidString(got) {
		t.Errorf("long name cut to %q (%d bytes)", got, len(got))
	}
}

func TestFolderUnique(t *testing.T) {
	f := folder{used: map[string]bool{}}
	var got []string
	for _, n := range []string{"a.pdf", "A.PDF", "a.pdf", "a (2).pdf", "b"} {
		got = append(got, f.unique(n))
	}
	want := []string{"a.pdf", "A (2).PDF", "a (3).pdf", "a (2) (2).pdf", "b"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("unique names %q, want %q", got, want)
	}
}

func TestWithExt(t *testing.T) {
	for in, want := range map[[2]string]string{
		{"x", "application/pdf"}:                "x.pdf",
		{"x", "application/xml; charset=utf-8"}: "x.xml",
		{"x", "application/vnd.ofd"}:            "x.ofd",
		{"x.pdf", "application/xml"}:            "x.pdf",
		{"x", "application/octet-stream"}:       "x",
		{"x", "application/vnd.something+xml"}:  "x.xml",
	} {
		if got := withExt(in[0], in[1]); got != want {
			t.Errorf("withExt(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}
