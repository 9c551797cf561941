package domain

// Error is a failure a client can act on. Code is stable (shared/API.md);
// Message and Details are safe to show to the caller.
type Error struct {
	Code    string
	Message string
	Details map[string]any
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Is matches any *Error with the same Code, so errors.Is(err, ErrNotFound)
// holds for copies made by With and WithMessage.
func (e *Error) Is(target error) bool {
	o, ok := target.(*Error)
	return ok && o.Code == e.Code
}

// With returns a copy carrying details.
func (e *Error) With(details map[string]any) *Error {
	c := *e
	c.Details = details
	return &c
}

// WithMessage returns a copy with a more specific message.
func (e *Error) WithMessage(msg string) *Error {
	c := *e
	c.Message = msg
	return &c
}

func newError(code, msg string) *Error { return &Error{Code: code, Message: msg} }

// The error codes of shared/API.md. The web layer maps each to one HTTP status.
var (
	ErrInvalidInput      = newError("request.invalid", "the request is invalid")
	ErrUnsupportedMedia  = newError("request.unsupported_media_type", "the request body must be application/json")
	ErrTooLarge          = newError("request.too_large", "the request body is too large")
	ErrAuthRequired      = newError("auth.required", "sign-in required")
	ErrForbidden         = newError("auth.forbidden", "not allowed")
	ErrNotFound          = newError("not_found", "not found")
	ErrVersionConflict   = newError("conflict.version", "the record was changed by someone else; reload and try again")
	ErrInvoiceDuplicate  = newError("invoice.duplicate", "this invoice has already been imported")
	ErrLockedElsewhere   = newError("invoice.locked_elsewhere", "the invoice is locked by another reimburser in WeChat")
	ErrAlreadyReimbursed = newError("invoice.already_reimbursed", "the invoice has already been reimbursed")
	ErrInvoiceCancelled  = newError("invoice.cancelled", "the invoice has been cancelled (红冲)")
	ErrInvoiceInReport   = newError("invoice.in_report", "the invoice is already in an open or approved report")
	ErrInvalidTransition = newError("report.invalid_transition", "this action is not allowed in the report's current status")
	ErrReportEmpty       = newError("report.empty", "the report has no invoices")
	// ErrNoApprover: the approval chain found nobody to approve the report
	// (DECISIONS 33, 45); details name the step and what to configure.
	ErrNoApprover         = newError("report.no_approver", "nobody can approve this report; ask an administrator to configure the approval policy")
	ErrSubmitRefused      = newError("report.submit_refused", "WeChat refused to lock some invoices; nothing was locked")
	ErrWeChatUnavailable  = newError("wechat.unavailable", "WeChat is unavailable; nothing was changed, try again later")
	ErrWeChatRejected     = newError("wechat.rejected", "WeChat refused the call")
	ErrSignatureInvalid   = newError("signature.invalid", "the signature is invalid")
	ErrSignatureReplayed  = newError("signature.replayed", "the request was already used or is too old")
	ErrInvalidWeChatState = newError("invoice.invalid_status_transition", "WeChat does not allow this status change")
	ErrNotInWallet        = newError("invoice.not_in_wallet", "this invoice is not in your WeChat wallet")
	ErrInvoiceUnreadable  = newError("invoice.unreadable", "WeChat's answer for this invoice cannot be used; nothing was imported for it")
	// ErrQRNotConfirmed: the PC accepted a QR sign-in that no phone has
	// confirmed yet (issue 15).
	ErrQRNotConfirmed = newError("qr.not_confirmed", "no phone has confirmed this sign-in yet")
	// File invoices (issue 16, DECISIONS 34, 40, 41).
	ErrInvoiceRed         = newError("invoice.red", "this is a red (负数) invoice; red invoices cannot be reimbursed")
	ErrInvoiceNoWeChat    = newError("invoice.no_wechat", "this invoice came as a file and has no WeChat card to update")
	ErrInvoiceNeedsReview = newError("invoice.needs_review", "the invoice's file could not be read completely; complete its fields first")
	// Expense details and payment (issue 17).
	ErrUnknownExpenseType = newError("expense_type.unknown", "no active expense type has this code")
	ErrNotPayable         = newError("payment.not_payable", "only approved, unpaid reports can be paid; nothing was paid")
	ErrNoBankAccount      = newError("payment.no_bank_account", "a payee has no bank account on file; nothing was paid")
	// ErrNoticeNotFailed: only a failed notice is put back in the queue.
	ErrNoticeNotFailed = newError("notice.not_failed", "only a failed notice can be requeued")
)

// Invalid reports a bad field; the web layer puts fields in details.fields.
func Invalid(field, problem string) *Error {
	return ErrInvalidInput.WithMessage(field + ": " + problem).With(map[string]any{
		"fields": map[string]string{field: problem},
	})
}

// AllErrors lists every sentinel, so the HTTP mapper's test can cover them.
func AllErrors() []*Error {
	return []*Error{
		ErrInvalidInput, ErrUnsupportedMedia, ErrTooLarge, ErrAuthRequired, ErrForbidden,
		ErrNotFound, ErrVersionConflict, ErrInvoiceDuplicate, ErrLockedElsewhere,
		ErrAlreadyReimbursed, ErrInvoiceCancelled, ErrInvoiceInReport, ErrInvalidTransition,
		ErrReportEmpty, ErrSubmitRefused, ErrWeChatUnavailable, ErrWeChatRejected,
		ErrSignatureInvalid, ErrSignatureReplayed, ErrInvalidWeChatState, ErrNotInWallet,
		ErrInvoiceUnreadable, ErrQRNotConfirmed, ErrInvoiceRed, ErrInvoiceNoWeChat, ErrInvoiceNeedsReview,
		ErrUnknownExpenseType, ErrNotPayable, ErrNoBankAccount,
		ErrNoApprover, ErrNoticeNotFailed,
	}
}
