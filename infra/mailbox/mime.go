package mailbox

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"net/url"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/baoxiao/baoxiao/app/intake"
)

// Message is what the mailbox needs of a mail: who sent it, to whom, and
// its invoice files.
type Message struct {
	MessageID  string
	From       string
	Recipients []string
	Subject    string
	Files      []intake.File
}

// decoder decodes RFC 2047 words in any charset go-message knows: mail
// from Chinese clients names files in GBK, GB2312 or GB18030 as often as
// in UTF-8.
var decoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// maxDepth bounds nesting (multiparts and forwarded mails), so a hostile
// mail cannot recurse without end.
const maxDepth = 10

// recipientHeaders are where an address of ours may stand: the visible
// ones, and the ones delivery adds when we were Bcc'd or the mail was
// forwarded.
var recipientHeaders = []string{"To", "Cc", "Delivered-To", "X-Original-To"}

// ReadMessage parses a raw RFC 5322 message. Only a header that cannot be
// read at all is an error: a damaged part is skipped, so the rest of the
// mail still counts.
func ReadMessage(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, fmt.Errorf("read mail header: %w", err)
	}
	h := textproto.MIMEHeader(msg.Header)
	m := Message{
		MessageID: clean(strings.TrimSpace(h.Get("Message-Id"))),
		Subject:   clean(decodeHeader(h.Get("Subject"))),
	}
	if from := addresses(h.Values("From")); len(from) > 0 {
		m.From = from[0]
	}
	for _, name := range recipientHeaders {
		m.Recipients = append(m.Recipients, addresses(h.Values(name))...)
	}
	w := walker{}
	w.walk(h, msg.Body, 0)
	m.Files = w.files
	return m, nil
}

// clean makes header text safe to store and show: valid UTF-8, no
// control characters.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

func decodeHeader(s string) string {
	if d, err := decoder.DecodeHeader(s); err == nil {
		s = d
	}
	return gbFallback(s)
}

// gbFallback reads raw 8-bit header bytes, which some clients send
// without RFC 2047, as GB18030 (a superset of GBK and GB2312) when they
// are not UTF-8.
func gbFallback(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	if d, err := simplifiedchinese.GB18030.NewDecoder().String(s); err == nil {
		return d
	}
	return s
}

// addrPattern finds addresses in a header the strict parser refused.
var addrPattern = regexp.MustCompile(`[^\s<>,;:"'()\[\]]+@[^\s<>,;:"'()\[\]]+`)

// addresses returns the lower-case addresses in address headers.
func addresses(values []string) []string {
	p := mail.AddressParser{WordDecoder: decoder}
	var out []string
	for _, v := range values {
		list, err := p.ParseList(v)
		if err != nil {
			for _, a := range addrPattern.FindAllString(v, -1) {
				out = append(out, strings.ToLower(a))
			}
			continue
		}
		for _, a := range list {
			out = append(out, strings.ToLower(a.Address))
		}
	}
	return out
}

// walker collects the invoice files of a MIME tree.
type walker struct {
	files []intake.File
	n     int // leaves seen, to name unnamed parts
}

func (w *walker) walk(h textproto.MIMEHeader, body io.Reader, depth int) {
	if depth > maxDepth {
		return
	}
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mediaType, params = "text/plain", nil
		if ct := strings.TrimSpace(strings.SplitN(h.Get("Content-Type"), ";", 2)[0]); ct != "" {
			mediaType = strings.ToLower(ct)
		}
	}
	switch {
	case strings.HasPrefix(mediaType, "multipart/"):
		if params["boundary"] == "" {
			return
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return // io.EOF, or a damaged tail: keep what was read
			}
			w.walk(p.Header, p, depth+1)
		}
	case mediaType == "message/rfc822":
		// A forwarded mail carries its invoices as its own attachments.
		data, err := decodeBody(h, body)
		if err != nil {
			return
		}
		inner, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			return
		}
		w.walk(textproto.MIMEHeader(inner.Header), inner.Body, depth+1)
	default:
		w.n++
		name := fileName(h, params)
		if !invoiceFile(name, mediaType) {
			return
		}
		data, err := decodeBody(h, body)
		if err != nil || len(data) == 0 {
			return
		}
		if name == "" {
			name = fmt.Sprintf("attachment-%d%s", w.n, extensionOf(mediaType))
		}
		w.files = append(w.files, intake.File{Name: name, Data: data})
	}
}

// decodeBody undoes the transfer encoding only: the bytes are the file as
// its sender had it (its SHA-256 is the original's), so no charset
// conversion, not even for text/xml.
func decodeBody(h textproto.MIMEHeader, body io.Reader) ([]byte, error) {
	var r io.Reader = body
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "base64":
		// The decoder skips line breaks; other stray whitespace too.
		r = base64.NewDecoder(base64.StdEncoding, &spaceless{r: body})
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxMessageSize+1))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return data, nil
}

// spaceless drops the spaces and tabs some mailers leave in base64.
type spaceless struct{ r io.Reader }

func (s *spaceless) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	j := 0
	for _, b := range p[:n] {
		if b != ' ' && b != '\t' {
			p[j] = b
			j++
		}
	}
	return j, err
}

// namePattern reads a filename parameter the strict parser refused
// (unquoted spaces, raw 8-bit bytes).
var namePattern = regexp.MustCompile(`(?i)(?:^|;)\s*(?:file)?name\*?\s*=\s*("([^"]*)"|[^;]*)`)

// fileName is the part's file name: Content-Disposition filename, else
// Content-Type name; RFC 2231 and RFC 2047 encodings decoded. Only the
// base name is kept: names are for display, never a path.
func fileName(h textproto.MIMEHeader, ctParams map[string]string) string {
	name := ""
	if _, p, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		name = p["filename"]
	} else if m := namePattern.FindStringSubmatch(h.Get("Content-Disposition")); m != nil {
		name = unquote(m)
	}
	if name == "" {
		name = rfc2231Name(h.Get("Content-Disposition"))
	}
	if name == "" {
		name = ctParams["name"]
		if name == "" && ctParams == nil {
			if m := namePattern.FindStringSubmatch(h.Get("Content-Type")); m != nil {
				name = unquote(m)
			}
		}
	}
	name = clean(decodeHeader(strings.TrimSpace(name)))
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, `\`, "/")))
	if name == "." || name == "/" {
		return ""
	}
	return name
}

// extPattern finds an RFC 2231 extended filename (filename*=charset'lang'
// %XX…), whose charset the standard library reads only when it is UTF-8.
var extPattern = regexp.MustCompile(`(?i)filename\*\s*=\s*"?([A-Za-z0-9_.:-]+)'[^']*'([^";\s]+)`)

func rfc2231Name(disposition string) string {
	m := extPattern.FindStringSubmatch(disposition)
	if m == nil {
		return ""
	}
	raw, err := url.PathUnescape(m[2])
	if err != nil {
		return ""
	}
	r, err := charset.Reader(m[1], strings.NewReader(raw))
	if err != nil {
		return ""
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return ""
	}
	return string(b)
}

func unquote(m []string) string {
	if m[2] != "" || strings.HasPrefix(m[1], `"`) {
		return m[2]
	}
	return strings.TrimSpace(m[1])
}

// invoiceExtensions and invoiceTypes are the files taken: what the intake
// service reads (XML, OFD, PDF, ZIP bundles, QR images).
var (
	invoiceExtensions = []string{".xml", ".ofd", ".pdf", ".zip", ".png", ".jpg", ".jpeg"}
	invoiceTypes      = map[string]string{
		"application/pdf": ".pdf", "application/xml": ".xml", "text/xml": ".xml", "application/ofd": ".ofd",
		"application/zip": ".zip", "application/x-zip-compressed": ".zip", "image/png": ".png", "image/jpeg": ".jpg",
	}
)

// invoiceFile says whether a part is an invoice file, by its name or, for
// a generic or missing name, its media type. Inline parts count: some
// clients put a PDF inline.
func invoiceFile(name, mediaType string) bool {
	ext := strings.ToLower(path.Ext(name))
	for _, e := range invoiceExtensions {
		if ext == e {
			return true
		}
	}
	_, ok := invoiceTypes[mediaType]
	return ok
}

func extensionOf(mediaType string) string {
	if e, ok := invoiceTypes[mediaType]; ok {
		return e
	}
	return ""
}
