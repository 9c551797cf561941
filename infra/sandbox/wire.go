package sandbox

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// errmsgs are WeChat's texts for the codes the sandbox answers.
var errmsgs = map[int]string{
	-1:    "system error",
	0:     "ok",
	40001: "invalid credential, access_token is invalid or not latest",
	40002: "invalid grant_type",
	40003: "invalid openid",
	40013: "invalid appid",
	40014: "invalid access_token",
	40029: "invalid code",
	40056: "invalid serial code",
	40097: "invalid args",
	40125: "invalid appsecret",
	40163: "code been used",
	41001: "access_token missing",
	41002: "appid missing",
	41004: "appsecret missing",
	41008: "missing code",
	42001: "access_token expired",
	45009: "reach max api daily quota limit",
	45011: "api minute-quota reach limit, mustslower retry next minute",
	47001: "data format error",
	48001: "api unauthorized",
	60111: "userid not found",
	60123: "invalid party id",
	72023: "invoice has been lock",
	72024: "invoice status error",
	72031: "invalid params",
	72036: "invoice is busy",
	72037: "the invoices do not belong to the openid",
	72038: "invoice order never auth",
	72039: "invoice must be lock first",
	72042: "billing_code and billing_no repeated",
	72043: "billing_code or billing_no size error",
	72052: "too many invoices",
	72055: "too many invoices in one request",
}

func errmsg(code int) string {
	if m, ok := errmsgs[code]; ok {
		return m
	}
	return "error"
}

// wxStatus is the errcode/errmsg pair every WeChat JSON answer carries.
type wxStatus struct {
	Errcode int    `json:"errcode"`
	Errmsg  string `json:"errmsg"`
}

func okStatus() wxStatus { return wxStatus{0, "ok"} }

const (
	localErrcode  = "sandbox.errcode"
	localInvoices = "sandbox.invoices"
	localOpenID   = "sandbox.openid"
)

// fail answers a WeChat error: HTTP 200 with errcode and errmsg, as WeChat.
func fail(c *fiber.Ctx, code int) error {
	c.Locals(localErrcode, code)
	return c.JSON(wxStatus{code, errmsg(code)})
}

// reply answers a successful WeChat call; v embeds wxStatus or is a bare
// shape (the token endpoints carry no errcode on success).
func reply(c *fiber.Ctx, v any) error {
	c.Locals(localErrcode, 0)
	return c.JSON(v)
}

// decodeBody reads a WeChat JSON body whatever its Content-Type (WeChat
// clients often send none). Malformed JSON is errcode 47001.
func decodeBody(c *fiber.Ctx, v any) bool {
	body := bytes.TrimSpace(c.Body())
	if len(body) == 0 {
		body = []byte("{}")
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	return d.Decode(v) == nil
}

// looseInt accepts what issuers send for WeChat's ints: a JSON number with
// no fraction, or such a number in a string.
type looseInt struct {
	V   int64
	Set bool
}

func (l *looseInt) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
	}
	n, err := parseIntegral(s)
	if err != nil {
		return err
	}
	l.V, l.Set = n, true
	return nil
}

func parseIntegral(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	// 1.0 or 1e3: integral values written as floats.
	r, ok := new(big.Rat).SetString(s)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, fmt.Errorf("not an integer: %q", s)
	}
	return r.Num().Int64(), nil
}

// looseString accepts a string, or a number kept as written.
type looseString struct {
	V   string
	Set bool
}

func (l *looseString) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null":
		return nil
	case strings.HasPrefix(s, `"`):
		if err := json.Unmarshal(b, &l.V); err != nil {
			return err
		}
	case len(s) > 0 && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9')):
		l.V = s
	default:
		return errors.New("not a string")
	}
	l.Set = true
	return nil
}

// sha1Sorted is WeChat's signature family: sort the values byte-wise,
// concatenate, SHA-1, lower-case hex (callbacks, cardSign).
func sha1Sorted(vals ...string) string {
	v := append([]string(nil), vals...)
	sort.Strings(v)
	h := sha1.Sum([]byte(strings.Join(v, "")))
	return hex.EncodeToString(h[:])
}

func sha1Hex(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// shortHash is n lower-case hex digits derived from s.
func shortHash(s string, n int) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])[:n]
}

// idFrom is a deterministic WeChat-looking id: prefix + n URL-safe base64
// characters derived from seed (openids, card_ids).
func idFrom(prefix, seed string, n int) string {
	h := sha256.Sum256([]byte("baoxiao-sandbox/" + seed))
	return prefix + base64.RawURLEncoding.EncodeToString(h[:])[:n]
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomString draws n characters from alphabet.
func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}

func randomDigits(n int) string {
	s := randomString(n, "0123456789")
	if s[0] == '0' {
		s = "1" + s[1:]
	}
	return s
}

// encryptCodeFrom turns 47 bytes into a base64 encrypt_code like WeChat's:
// 64 characters ending in '=' and, for the demo data, always holding '+'
// and '/' so clients must escape them.
func encryptCodeFrom(seed []byte) string {
	for i := 0; ; i++ {
		h := sha256.Sum256(append([]byte(fmt.Sprintf("%d/", i)), seed...))
		h2 := sha256.Sum256(h[:])
		raw := append(h[:], h2[:15]...) // 47 bytes → 64 chars with one '='
		s := base64.StdEncoding.EncodeToString(raw)
		if strings.ContainsAny(s, "+") && strings.ContainsAny(s, "/") {
			return s
		}
	}
}

func randomEncryptCode() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return encryptCodeFrom(b)
}
