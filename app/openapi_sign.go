package app

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
)

// The signing rules of the open API, as pure functions: the server checks
// with them, the tests and the README's worked examples sign with them.

// NativeStringToSign is what the native profile signs (DECISIONS 23):
// METHOD, the request target exactly as sent (path and query string, no
// scheme or host), the Unix timestamp, the nonce and the lowercase hex
// SHA-256 of the raw body, joined by "\n".
func NativeStringToSign(method, target, timestamp, nonce string, body []byte) string {
	sum := sha256.Sum256(body)
	return strings.ToUpper(method) + "\n" + target + "\n" + timestamp + "\n" + nonce + "\n" + hex.EncodeToString(sum[:])
}

// NativeSignature is lowercase hex HMAC-SHA256(secret, stringToSign): the
// X-Baoxiao-Signature header.
func NativeSignature(secret, stringToSign string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(stringToSign))
	return hex.EncodeToString(mac.Sum(nil))
}

// YuanianStringToSign is what the Yuanian profile's MD5 sign covers
// (wechat-protocol.md §10, ours): the header's fields except sign, sorted
// by name (byte order), as name=value joined by "&", then "&body=" and the
// body exactly as sent (its raw JSON text; "" when absent), then "&key="
// and the app secret.
func YuanianStringToSign(header map[string]string, rawBody []byte, secret string) string {
	keys := make([]string, 0, len(header))
	for k := range header {
		if k != "sign" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(header[k])
	}
	b.WriteString("&body=")
	b.Write(rawBody)
	b.WriteString("&key=")
	b.WriteString(secret)
	return b.String()
}

// YuanianSign is UPPER(md5hex(YuanianStringToSign(...))): the header's sign.
func YuanianSign(header map[string]string, rawBody []byte, secret string) string {
	sum := md5.Sum([]byte(YuanianStringToSign(header, rawBody, secret)))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// YuanianTimeLayout is the Yuanian header's timestamp, read in Asia/Shanghai.
const YuanianTimeLayout = "2006-01-02T15:04:05"

// JSAPISignature is wx.config's signature over a ticket, nonce, timestamp
// and page URL (wechat-protocol.md §3.1): sha1 of
// "jsapi_ticket=T&noncestr=N&timestamp=S&url=U", lowercase hex.
func JSAPISignature(ticket, nonceStr, timestamp, url string) string {
	sum := sha1.Sum([]byte("jsapi_ticket=" + ticket + "&noncestr=" + nonceStr + "&timestamp=" + timestamp + "&url=" + url))
	return hex.EncodeToString(sum[:])
}

// tokenKey derives the HS512 key of an app's Yuanian tokens from its
// secret, so the secret itself signs nothing but requests.
func tokenKey(secret string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("baoxiao yuanian token v1"))
	return mac.Sum(nil)
}

// tokenClaims are the claims of a Yuanian token; the seed's sample token
// carries sub (the app id) and salt too.
type tokenClaims struct {
	Sub  string `json:"sub"`
	Salt string `json:"salt"`
	Iat  int64  `json:"iat"`
	Exp  int64  `json:"exp"`
}

// jwtHeader is the seed's own token header, {"alg":"HS512"}.
var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS512"}`))

func mintToken(secret string, c tokenClaims) string {
	payload, _ := json.Marshal(c)
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha512.New, tokenKey(secret))
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

var errBadToken = errors.New("bad token")

// checkToken verifies an HS512 token minted for appID and not expired.
func checkToken(secret, appID, token string, now time.Time) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != jwtHeader {
		return errBadToken
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return errBadToken
	}
	mac := hmac.New(sha512.New, tokenKey(secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return errBadToken
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return errBadToken
	}
	var c tokenClaims
	if json.Unmarshal(payload, &c) != nil || c.Sub != appID || now.Unix() >= c.Exp {
		return errBadToken
	}
	return nil
}

// Shanghai is China's time, UTC+8 without daylight saving since 1991: the
// zone of the Yuanian profile's times and dates.
var Shanghai = time.FixedZone("Asia/Shanghai", 8*60*60)
