package app

import (
	"context"
	"fmt"

	"github.com/baoxiao/baoxiao/domain"
)

// CardRef names an invoice in a wallet: the issuer's card template and the
// user's encrypted code. Both are compared byte for byte.
type CardRef struct {
	CardID      string
	EncryptCode string
}

// FetchedInvoice is an invoice as WeChat's reimburse API describes it, with
// amounts already converted to exact money.
type FetchedInvoice struct {
	Ref    CardRef
	Facts  domain.InvoiceFacts // Channel and OwnerOpenID are set
	Status domain.WeChatStatus
}

// InvoiceResult is one item of a batch query: the invoice or why it could
// not be read.
type InvoiceResult struct {
	Ref     CardRef
	Invoice *FetchedInvoice
	Err     error
}

// JSConfig is what wx.config (and in WeCom wx.agentConfig) needs.
type JSConfig struct {
	AppID     string // OA appid, or WeCom corp id
	Timestamp int64
	NonceStr  string
	Signature string
	Agent     *AgentConfig // WeCom only
}

// AgentConfig is what WeCom's wx.agentConfig needs.
type AgentConfig struct {
	CorpID    string
	AgentID   string
	Timestamp int64
	NonceStr  string
	Signature string
}

// CardSign is the signature chooseInvoice needs (wechat-protocol.md §3.2).
type CardSign struct {
	Timestamp int64
	NonceStr  string
	SignType  string // "SHA1"
	CardSign  string
}

// OAuthUser is who an OAuth code belongs to: an OA openid, or a WeCom
// userid (members) or openid (non-members).
type OAuthUser struct {
	OpenID string
	UserID string
}

// WeChat is one channel's gateway to WeChat: the reimburser API, JSSDK
// signatures and OAuth. infra/wechat implements it for OA and WeCom.
type WeChat interface {
	Channel() domain.Channel
	// AppID is the OA appid or the WeCom corp id: the app identities are
	// scoped to.
	AppID() string

	// Invoice reads one invoice (getinvoiceinfo).
	Invoice(ctx context.Context, ref CardRef) (FetchedInvoice, error)
	// Invoices reads many in as few calls as the batch size allows and
	// answers one result per ref, in order. An error is returned only when
	// nothing could be read.
	Invoices(ctx context.Context, refs []CardRef) ([]InvoiceResult, error)
	// SetStatus changes one invoice's reimburse status.
	SetStatus(ctx context.Context, ref CardRef, status domain.WeChatStatus) error
	// SetStatusBatch changes the status of invoices all owned by openid, all
	// or nothing (updatestatusbatch).
	SetStatusBatch(ctx context.Context, openid string, status domain.WeChatStatus, refs []CardRef) error

	// JSConfig signs wx.config for a page URL (without its #fragment).
	JSConfig(ctx context.Context, url string) (JSConfig, error)
	// ChooseInvoiceSign signs a chooseInvoice call.
	ChooseInvoiceSign(ctx context.Context) (CardSign, error)

	// AuthorizeURL is the OAuth page to send a browser to (snsapi_base).
	AuthorizeURL(redirectURI, state string) string
	// ExchangeCode turns an OAuth code into the user it belongs to.
	ExchangeCode(ctx context.Context, code string) (OAuthUser, error)
	// ConvertToOpenID gives a WeCom member's openid, the one their invoices
	// carry. OA answers the openid unchanged.
	ConvertToOpenID(ctx context.Context, userID string) (string, error)
}

// WeChatErrorKind says what a caller can do about a WeChat failure
// (wechat-protocol.md §6).
type WeChatErrorKind int

// The kinds.
const (
	// Retryable: busy, rate-limited, network or 5xx; try again later.
	Retryable WeChatErrorKind = iota + 1
	// OutcomeUnknown: the call may or may not have happened (timeout after
	// sending); re-read the status before resending an update.
	OutcomeUnknown
	// Refused: WeChat said no for good for these invoices (72023, 72024 on
	// a final invoice, 72031, 40078 …).
	Refused
	// NeedsReread: the state is not what we thought (72024, 72037, 72039);
	// re-read, then decide.
	NeedsReread
	// Misconfigured: bad credentials or permissions; no retry helps.
	Misconfigured
	// Unreadable: WeChat answered errcode 0, but not with an invoice we can
	// use (another card_id, no billing fields, an unknown status, a
	// malformed amount); asking again would get the same answer.
	Unreadable
)

func (k WeChatErrorKind) String() string {
	switch k {
	case Retryable:
		return "retryable"
	case OutcomeUnknown:
		return "outcome_unknown"
	case Refused:
		return "refused"
	case NeedsReread:
		return "needs_reread"
	case Misconfigured:
		return "misconfigured"
	case Unreadable:
		return "unreadable"
	}
	return "unknown"
}

// WeChatError is a WeChat failure with its errcode and errmsg kept. It
// never carries the access token.
type WeChatError struct {
	Kind    WeChatErrorKind
	API     string // e.g. "getinvoicebatch"
	Errcode int    // 0 for network and HTTP failures
	Errmsg  string
}

func (e *WeChatError) Error() string {
	return fmt.Sprintf("wechat %s: %s: errcode %d: %s", e.API, e.Kind, e.Errcode, e.Errmsg)
}
