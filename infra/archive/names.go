package archive

import (
	"mime"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameBytes bounds a file name in the ZIP: well under the 255 bytes
// every file system allows, with room for " (12)".
const maxNameBytes = 120

// safeName makes a stored name safe as one path segment on any system:
// its base only (no directories, so never "..": a stored name is never a
// path), no control characters and none of <>:"/\|?*, no leading or
// trailing dots and spaces, no Windows device name, valid UTF-8, and at
// most maxNameBytes with the extension kept. Empty becomes fallback.
func safeName(name, fallback string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "_")
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`<>:"/\|?*`, r) || unicode.Is(unicode.Cf, r) {
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(name, ". \u3000")
	if name == "" {
		name = fallback
	}
	stem, ext := splitExt(name)
	if reserved(stem) {
		stem = "_" + stem
	}
	if len(ext) > 16 { // not an extension: part of the name
		stem, ext = stem+ext, ""
	}
	if over := len(stem) + len(ext) - maxNameBytes; over > 0 {
		stem = truncate(stem, len(stem)-over)
	}
	return stem + ext
}

// splitExt splits "a.b.pdf" into "a.b" and ".pdf".
func splitExt(name string) (string, string) {
	ext := path.Ext(name)
	if ext == name {
		return name, ""
	}
	return strings.TrimSuffix(name, ext), ext
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// reserved reports the names Windows keeps for devices, whatever follows.
func reserved(stem string) bool {
	s := strings.ToUpper(strings.TrimRight(stem, ". "))
	switch s {
	case "CON", "PRN", "AUX", "NUL":
		return true
	}
	return len(s) == 4 && (strings.HasPrefix(s, "COM") || strings.HasPrefix(s, "LPT")) && s[3] >= '1' && s[3] <= '9'
}

// extensions give an original without one its type's, so it opens.
var extensions = map[string]string{
	"application/pdf": ".pdf", "application/xml": ".xml", "text/xml": ".xml",
	"application/ofd": ".ofd", "application/zip": ".zip",
}

// withExt adds the media type's extension to a name without one.
func withExt(name, mediaType string) string {
	if _, ext := splitExt(name); ext != "" {
		return name
	}
	mt, _, _ := mime.ParseMediaType(mediaType)
	if e, ok := extensions[mt]; ok {
		return name + e
	}
	if strings.Contains(mt, "ofd") {
		return name + ".ofd"
	}
	if strings.HasSuffix(mt, "+xml") {
		return name + ".xml"
	}
	return name
}

// folder names files of one report folder and tells clashes apart:
// "a.pdf", then "a (2).pdf". Names are compared without case, as Windows
// and macOS compare them.
type folder struct {
	name string
	used map[string]bool
}

func (f *folder) unique(name string) string {
	stem, ext := splitExt(name)
	for n := 1; ; n++ {
		try := name
		if n > 1 {
			try = stem + " (" + strconv.Itoa(n) + ")" + ext
		}
		if key := strings.ToLower(try); !f.used[key] {
			f.used[key] = true
			return try
		}
	}
}
