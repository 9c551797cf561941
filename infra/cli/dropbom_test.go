package cli

import (
	"bytes"
	"testing"
)

// dropBOM drops a leading BOM however the stream is cut, and nothing else.
func TestDropBOM(t *testing.T) {
	for in, want := range map[string]string{
		"\uFEFFid,名\r\n": "id,名\r\n",
		"id,名\r\n":       "id,名\r\n",
		"\uFEFF":         "",
		"\xEF\xBB":       "\xEF\xBB", // a stream shorter than a BOM is kept
		"\xEFx":          "\xEFx",
		"PK\x03\x04":     "PK\x03\x04",
		"a\uFEFF":        "a\uFEFF", // only a leading one
		"":               "",
	} {
		for _, chunk := range []int{1, 2, 64} {
			var out bytes.Buffer
			d := &dropBOM{w: &out}
			for rest := []byte(in); len(rest) > 0; {
				n := min(chunk, len(rest))
				if k, err := d.Write(rest[:n]); err != nil || k != n {
					t.Fatalf("Write: %d, %v", k, err)
				}
				rest = rest[n:]
			}
			if err := d.flush(); err != nil {
				t.Fatal(err)
			}
			if out.String() != want {
				t.Errorf("%q in chunks of %d: %q, want %q", in, chunk, out.String(), want)
			}
		}
	}
}
