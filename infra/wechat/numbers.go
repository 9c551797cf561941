package wechat

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// WeChat documents integers but samples and issuers send strings too
// ("fee":"10600"), and a 20-digit invoice number overflows int64 and any
// binary floating type alike. These types read the JSON token's text and never go through a
// float (wechat-protocol.md §4).

// flexInt is an integer sent as a JSON number or string. Set records that
// the field was present and non-empty.
type flexInt struct {
	N   int64
	Set bool
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s, ok, err := tokenText(b)
	if err != nil || !ok {
		*f = flexInt{}
		return err
	}
	n, err := parseInteger(s)
	if err != nil {
		return err
	}
	*f = flexInt{N: n, Set: true}
	return nil
}

// parseInteger accepts "10600", "-1000" and an integral "10600.00".
// A non-zero fraction or an exponent is an error, never a rounding.
func parseInteger(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	if i := strings.IndexByte(s, '.'); i > 0 && strings.Trim(s[i+1:], "0") == "" {
		if n, err := strconv.ParseInt(s[:i], 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, errors.New("not an integer: " + strconv.Quote(truncate(s, 32)))
}

// flexString is text sent as a JSON string or number (a code sent as a bare
// number keeps its digits exactly). null is "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	s, _, err := tokenText(b)
	*f = flexString(s)
	return err
}

// tokenText returns the text of a JSON string or number token; ok is false
// for null and "". Objects, arrays and booleans are errors.
func tokenText(b []byte) (text string, ok bool, err error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return "", false, nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", false, err
		}
		s = strings.TrimSpace(s)
		return s, s != "", nil
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return "", false, err
		}
		return n.String(), true, nil
	}
	return "", false, errors.New("expected a number or a string")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
