package domain

import "fmt"

// WeChatStatus is an invoice's reimbursement status as WeChat holds it.
type WeChatStatus string

// WeChat's four statuses (wechat-protocol.md §5).
const (
	StatusInit    WeChatStatus = "INIT"    // unlocked, can be reimbursed
	StatusLock    WeChatStatus = "LOCK"    // in a reimbursement flow
	StatusClosure WeChatStatus = "CLOSURE" // reimbursed (核销); final
	StatusCancel  WeChatStatus = "CANCEL"  // red-flushed (冲红) by the issuer; final
)

const wireStatusPrefix = "INVOICE_REIMBURSE_"

// statusMoves lists every change WeChat allows. CLOSURE and CANCEL are final;
// CANCEL is set only by the issuer, but a reimburser observes it from any
// non-final status.
var statusMoves = map[WeChatStatus][]WeChatStatus{
	StatusInit: {StatusLock, StatusCancel},
	StatusLock: {StatusInit, StatusClosure, StatusCancel},
}

// ParseWeChatStatus accepts WeChat's wire form ("INVOICE_REIMBURSE_LOCK")
// or the short form ("LOCK").
func ParseWeChatStatus(s string) (WeChatStatus, error) {
	if len(s) > len(wireStatusPrefix) && s[:len(wireStatusPrefix)] == wireStatusPrefix {
		s = s[len(wireStatusPrefix):]
	}
	switch st := WeChatStatus(s); st {
	case StatusInit, StatusLock, StatusClosure, StatusCancel:
		return st, nil
	}
	return "", fmt.Errorf("unknown WeChat reimburse status %q", s)
}

// Wire is the form WeChat's API takes and returns.
func (s WeChatStatus) Wire() string { return wireStatusPrefix + string(s) }

// Final reports whether no further change is possible.
func (s WeChatStatus) Final() bool { return s == StatusClosure || s == StatusCancel }

// CanMoveTo reports whether WeChat allows from → to. Staying put is allowed:
// delivery is at-least-once, so "already there" counts as done.
func (s WeChatStatus) CanMoveTo(to WeChatStatus) bool {
	if s == to {
		return true
	}
	for _, t := range statusMoves[s] {
		if t == to {
			return true
		}
	}
	return false
}

// ErrorForStatus is the refusal to use when an invoice's WeChat status keeps
// it out of a reimbursement: CLOSURE and CANCEL have their own codes.
func ErrorForStatus(s WeChatStatus) *Error {
	switch s {
	case StatusClosure:
		return ErrAlreadyReimbursed
	case StatusCancel:
		return ErrInvoiceCancelled
	}
	return nil
}
