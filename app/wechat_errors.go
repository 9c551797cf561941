package app

import (
	"errors"

	"github.com/baoxiao/baoxiao/domain"
)

// asDomainError turns a WeChat failure into the error code a client sees
// (shared/API.md): refusals about one invoice get their own codes, the
// rest is wechat.unavailable (try later) or wechat.rejected (errcode kept).
func asDomainError(err error) error {
	var we *WeChatError
	if !errors.As(err, &we) {
		return err
	}
	details := map[string]any{"errcode": we.Errcode, "errmsg": we.Errmsg}
	switch {
	case we.Errcode == 72023:
		return domain.ErrLockedElsewhere.With(details)
	case we.Errcode == 72060:
		return domain.ErrInvoiceCancelled.With(details)
	case we.Errcode == 72061:
		return domain.ErrAlreadyReimbursed.With(details)
	case we.Kind == Retryable || we.Kind == OutcomeUnknown:
		return domain.ErrWeChatUnavailable.With(details)
	case we.Kind == Unreadable:
		// WeChat said yes; it is its answer that we refuse.
		return domain.ErrInvoiceUnreadable.With(map[string]any{"reason": we.Errmsg})
	}
	return domain.ErrWeChatRejected.With(details)
}

// errcodeInvalidParams is getinvoiceinfo's answer for a card_id and
// encrypt_code pair that no wallet of the app holds.
const errcodeInvalidParams = 72031

func asWeChatError(err error, target **WeChatError) bool {
	return err != nil && errors.As(err, target)
}
