package wechat

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Errcodes with a meaning of their own (wechat-protocol.md §6).
const (
	codeBusy            = -1
	codeStaleToken      = 40001 // OA: stale or superseded token; WeCom: bad corpsecret
	codeInvalidToken    = 40014
	codeMissingToken    = 41001
	codeExpiredToken    = 42001
	codeOAuthCodeBad    = 40029
	codeOAuthCodeUsed   = 40163
	codeTooManyInvoices = 72052
	codeTooManyItems    = 72055
)

// kindByErrcode is §6's action table for the codes that mean the same on both
// channels. Codes not listed are Refused: an unknown answer is not retried
// blindly. The token codes are retried once by the client before they get
// here, so seeing one means the fresh token failed too: retry later.
var kindByErrcode = map[int]app.WeChatErrorKind{
	codeBusy: app.Retryable,
	72036:    app.Retryable, // invoice busy: a concurrent change
	45009:    app.Retryable, // daily quota used up: defer for hours
	45011:    app.Retryable, // per-minute quota used up
	72052:    app.Retryable, // too many invoices: the caller halves the chunk
	72055:    app.Retryable,

	codeInvalidToken: app.Retryable,
	codeMissingToken: app.Retryable,
	codeExpiredToken: app.Retryable,

	72023: app.Refused, // locked by another OA, corp or app → invoice.locked_elsewhere
	72031: app.Refused, // invalid params (check encrypt_code escaping)
	40078: app.Refused, // card_id not authorised
	72060: app.Refused, // cancelled
	72061: app.Refused, // closed
	72017: app.Refused, // invalid invoice title
	72025: app.Refused, // invoice token error

	codeOAuthCodeBad:  app.Refused, // the caller restarts OAuth
	codeOAuthCodeUsed: app.Refused,

	72024: app.NeedsReread, // invalid status or transition
	72037: app.NeedsReread, // the batch mixes openids: regroup
	72039: app.NeedsReread, // lock first

	40013: app.Misconfigured, // bad appid / corpid
	40125: app.Misconfigured, // bad appsecret
	40164: app.Misconfigured, // caller IP not whitelisted
	48001: app.Misconfigured, // API not authorised
	60020: app.Misconfigured, // WeCom: IP not trusted
	72015: app.Misconfigured, // no invoice permission
}

// ErrcodeKind says what a caller can do about a WeChat errcode on a channel
// (wechat-protocol.md §6). WeCom 40001 is a bad secret (DECISIONS 12); on OA
// it is a stale token, which the client has already refreshed and retried
// once when the code reaches a caller.
func ErrcodeKind(ch domain.Channel, errcode int) app.WeChatErrorKind {
	if errcode == codeStaleToken {
		if ch == domain.ChannelWork {
			return app.Misconfigured
		}
		return app.Retryable
	}
	if k, ok := kindByErrcode[errcode]; ok {
		return k
	}
	return app.Refused
}

// staleToken reports whether err says our access token is no longer good,
// so the client drops it, fetches a new one and retries once (DECISIONS 12).
// WeCom 40001 is not one of them: it means a bad secret.
func staleToken(ch domain.Channel, err error) bool {
	var we *app.WeChatError
	if !errors.As(err, &we) {
		return false
	}
	switch we.Errcode {
	case codeInvalidToken, codeExpiredToken, codeMissingToken:
		return true
	case codeStaleToken:
		return ch == domain.ChannelOA
	}
	return false
}

// errcodeOf returns the errcode of a *app.WeChatError, or 0.
func errcodeOf(err error) int {
	var we *app.WeChatError
	if errors.As(err, &we) {
		return we.Errcode
	}
	return 0
}

// kindOf returns the kind of a *app.WeChatError, or 0.
func kindOf(err error) app.WeChatErrorKind {
	var we *app.WeChatError
	if errors.As(err, &we) {
		return we.Kind
	}
	return 0
}

// BatchError is returned by SetStatusBatch when a chunk fails after earlier
// chunks were applied. updatestatusbatch is all or nothing per call, so
// exactly the refs in Applied have the new status in WeChat and none of the
// others were changed by the failing call (unless its outcome is unknown:
// see the cause's Kind). errors.As finds the cause's *app.WeChatError.
type BatchError struct {
	Applied []app.CardRef // refs of the chunks WeChat confirmed, in request order
	Err     *app.WeChatError
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("%d invoices applied before the failure: %v", len(e.Applied), e.Err)
}

// Unwrap gives the WeChat error of the failing chunk.
func (e *BatchError) Unwrap() error { return e.Err }

// maxErrmsg bounds what we keep of WeChat's errmsg.
const maxErrmsg = 300

// newError builds the error of one call. errmsg passes through scrub first,
// so no token or secret that WeChat (or a proxy) echoed ends up in it.
func newError(api string, kind app.WeChatErrorKind, errcode int, errmsg string, secrets ...string) *app.WeChatError {
	return &app.WeChatError{Kind: kind, API: api, Errcode: errcode, Errmsg: scrub(errmsg, secrets...)}
}

// scrub removes secrets from a message and bounds its length. A secret
// is replaced where it stands as a whole value, not inside a longer word:
// a short one ("pen") replaced everywhere mangled ordinary words
// ("o[redacted]"), and told which letters the secret has (issue 19). One
// of longLiteral characters or more is replaced wherever it appears: no
// word contains it by chance. Each also goes in its URL-encoded form, as
// an echoed query string carries it.
func scrub(msg string, secrets ...string) string {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, form := range []string{s, url.QueryEscape(s)} {
			if len(form) >= longLiteral {
				msg = strings.ReplaceAll(msg, form, "[redacted]")
			} else {
				msg = replaceWhole(msg, form, "[redacted]")
			}
		}
	}
	if len(msg) > maxErrmsg {
		msg = strings.ToValidUTF8(msg[:maxErrmsg], "") + "…"
	}
	return msg
}

// longLiteral is the length from which a secret is redacted even inside
// other text.
const longLiteral = 16

// replaceWhole replaces each occurrence of s in msg that is not part of a
// longer value: the characters either side are not letters, digits, '-',
// '_' or '.'.
func replaceWhole(msg, s, with string) string {
	var b strings.Builder
	last := 0
	for from := 0; ; {
		i := strings.Index(msg[from:], s)
		if i < 0 {
			break
		}
		i += from
		end := i + len(s)
		if joined(msg[:i], true) || joined(msg[end:], false) {
			_, n := utf8.DecodeRuneInString(msg[i:])
			from = i + n
			continue
		}
		b.WriteString(msg[last:i])
		b.WriteString(with)
		last, from = end, end
	}
	b.WriteString(msg[last:])
	return b.String()
}

// joined reports whether the text beside a match (side, before it when
// last) continues the value: an ASCII letter or digit, '-' or '_', or a
// '.' between such characters as in a host name ("qq.com"), but not a
// full stop. Chinese text runs without spaces: a secret written against
// 汉字 is still a value of its own.
func joined(side string, last bool) bool {
	next := utf8.DecodeRuneInString
	if last {
		next = utf8.DecodeLastRuneInString
	}
	r, n := next(side)
	if r == '.' {
		if last {
			r, _ = next(side[:len(side)-n])
		} else {
			r, _ = next(side[n:])
		}
	}
	return r == '-' || r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}
