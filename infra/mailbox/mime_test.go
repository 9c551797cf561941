package mailbox

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

func b64Lines(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return out.String() + s + "\r\n"
}

// part is one MIME leaf of a test mail.
type part struct {
	header string // lines after Content-Transfer-Encoding, CRLF-separated
	body   []byte
}

func mailWith(headers string, parts ...part) []byte {
	var b bytes.Buffer
	b.WriteString(headers)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BOUND\"\r\n\r\n")
	b.WriteString("--BOUND\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n发票见附件。\r\n")
	for _, p := range parts {
		b.WriteString("--BOUND\r\n" + p.header + "\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		b.WriteString(b64Lines(p.body))
	}
	b.WriteString("--BOUND--\r\n")
	return b.Bytes()
}

func TestReadMessageNamesAndBytes(t *testing.T) {
	gbName := "=?GBK?B?" + base64.StdEncoding.EncodeToString(gbk(t, "电子发票.pdf")) + "?="
	gb18030Name := "=?GB18030?B?" + base64.StdEncoding.EncodeToString(gbk(t, "数电票.ofd")) + "?="
	xmlGBK := append([]byte(`<?xml version="1.0" encoding="GBK"?><EInvoice>`), append(gbk(t, "销售方"), []byte(`</EInvoice>`)...)...)
	raw := mailWith("From: =?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte("李雷"))+"?= <Li.Lei@Example.COM>\r\n"+
		"To: \"收票\" <fapiao+abcdefghijkl@corp.example>, other@example.com\r\n"+
		"Cc: boss@example.com\r\nDelivered-To: FaPiao+MNOPQRSTUVWX@corp.example\r\n"+
		"Message-ID: <m1@example.com>\r\nSubject: =?GBK?B?"+base64.StdEncoding.EncodeToString(gbk(t, "三月发票"))+"?=\r\n",
		part{"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + gbName + "\"", []byte("%PDF-1.7 a")},
		part{"Content-Type: application/octet-stream; name=\"" + gb18030Name + "\"", []byte("PK ofd")},
		part{"Content-Type: application/xml\r\nContent-Disposition: attachment; filename*=UTF-8''%E5%8F%91%E7%A5%A8.xml", []byte("<x/>")},
		part{"Content-Type: text/xml; charset=GBK\r\nContent-Disposition: attachment; filename=\"gbk.xml\"", xmlGBK},
		part{"Content-Type: application/pdf\r\nContent-Disposition: inline", []byte("%PDF-1.4 inline")},
		part{"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=gbk''" + pct(gbk(t, "旧票.zip")), []byte("PK zip")},
		part{"Content-Type: application/msword\r\nContent-Disposition: attachment; filename=\"说明.doc\"", []byte("doc")},
		part{"Content-Type: image/png\r\nContent-Disposition: attachment; filename=\"..\\\\..\\\\evil/qr.png\"", []byte("\x89PNG")},
	)
	m, err := ReadMessage(raw)
	require.NoError(t, err)
	require.Equal(t, "<m1@example.com>", m.MessageID)
	require.Equal(t, "三月发票", m.Subject)
	require.Equal(t, "li.lei@example.com", m.From)
	require.Equal(t, []string{"fapiao+abcdefghijkl@corp.example", "other@example.com", "boss@example.com", "fapiao+mnopqrstuvwx@corp.example"}, m.Recipients)
	var names []string
	for _, f := range m.Files {
		names = append(names, f.Name)
	}
	require.Equal(t, []string{"电子发票.pdf", "数电票.ofd", "发票.xml", "gbk.xml", "attachment-6.pdf", "旧票.zip", "qr.png"}, names)
	require.Equal(t, []byte("%PDF-1.7 a"), m.Files[0].Data)
	require.Equal(t, xmlGBK, m.Files[3].Data, "a text/xml file keeps its bytes: no charset conversion")
}

func pct(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		fmt.Fprintf(&s, "%%%02X", c)
	}
	return s.String()
}

func TestReadMessageForwardedAndOddParts(t *testing.T) {
	inner := mailWith("From: seller@example.com\r\nTo: li@example.com\r\nSubject: inner\r\n",
		part{"Content-Type: application/pdf; name=inner.pdf", []byte("%PDF inner")})
	var b bytes.Buffer
	b.WriteString("From: li@example.com\r\nTo: fapiao+abcdefghijkl@corp.example\r\nSubject: Fwd\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=OUTER\r\n\r\n")
	b.WriteString("--OUTER\r\nContent-Type: message/rfc822\r\n\r\n")
	b.Write(inner)
	b.WriteString("\r\n--OUTER\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=raw\xb7\xa2\xc6\xb1.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	// Some mailers break base64 with spaces.
	b.WriteString("JVBE RiBy\r\nYXc=\r\n")
	b.WriteString("--OUTER\r\nContent-Type: application/pdf; name=qp.pdf\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%PDF=3D=E4=B8=AD\r\n")
	b.WriteString("--OUTER--\r\n")
	m, err := ReadMessage(b.Bytes())
	require.NoError(t, err)
	require.Len(t, m.Files, 3)
	require.Equal(t, "inner.pdf", m.Files[0].Name, "a forwarded mail's attachments are taken")
	require.Equal(t, []byte("%PDF inner"), m.Files[0].Data)
	require.Equal(t, "raw发票.pdf", m.Files[1].Name, "raw GBK bytes in a name are read as GB18030")
	require.Equal(t, []byte("%PDF raw"), m.Files[1].Data)
	require.Equal(t, "qp.pdf", m.Files[2].Name)
	require.Equal(t, []byte("%PDF=中"), m.Files[2].Data)
}

func TestReadMessageRefusesNoHeader(t *testing.T) {
	_, err := ReadMessage([]byte("no header at all"))
	require.Error(t, err)
	m, err := ReadMessage([]byte("Subject: plain\r\n\r\nhello"))
	require.NoError(t, err)
	require.Empty(t, m.Files)
}
