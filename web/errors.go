package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/domain"
)

// statusByCode is the only place an error code gets its HTTP status
// (shared/API.md's table plus the transport codes below). A code missing here
// answers 500; errors_test.go checks every domain sentinel is listed.
// invoice.not_in_wallet is 409 as API.md fixes it: the card exists in WeChat
// but sits in another wallet, a conflict over who holds it (403 would read
// as a missing role, 404 as a wrong id).
var statusByCode = map[string]int{
	"request.invalid":                   http.StatusBadRequest,
	"request.unsupported_media_type":    http.StatusUnsupportedMediaType,
	"request.too_large":                 http.StatusRequestEntityTooLarge,
	"request.method_not_allowed":        http.StatusMethodNotAllowed,
	"request.timeout":                   http.StatusRequestTimeout,
	"request.headers_too_large":         http.StatusRequestHeaderFieldsTooLarge,
	"auth.required":                     http.StatusUnauthorized,
	"auth.forbidden":                    http.StatusForbidden,
	"not_found":                         http.StatusNotFound,
	"conflict.version":                  http.StatusConflict,
	"invoice.duplicate":                 http.StatusConflict,
	"invoice.locked_elsewhere":          http.StatusConflict,
	"invoice.already_reimbursed":        http.StatusConflict,
	"invoice.cancelled":                 http.StatusConflict,
	"invoice.in_report":                 http.StatusConflict,
	"invoice.invalid_status_transition": http.StatusConflict,
	"invoice.not_in_wallet":             http.StatusConflict,
	"invoice.unreadable":                http.StatusUnprocessableEntity,
	"invoice.red":                       http.StatusUnprocessableEntity,
	"invoice.needs_review":              http.StatusUnprocessableEntity,
	"invoice.no_wechat":                 http.StatusConflict,
	"report.invalid_transition":         http.StatusConflict,
	"report.empty":                      http.StatusUnprocessableEntity,
	"report.submit_refused":             http.StatusConflict,
	"expense_type.unknown":              http.StatusUnprocessableEntity,
	"payment.not_payable":               http.StatusConflict,
	"payment.no_bank_account":           http.StatusUnprocessableEntity,
	"report.no_approver":                http.StatusConflict,
	"notice.not_failed":                 http.StatusConflict,
	"idempotency.conflict":              http.StatusConflict,
	"qr.expired":                        http.StatusGone,
	"qr.used":                           http.StatusConflict,
	"qr.not_confirmed":                  http.StatusConflict,
	"reconcile.running":                 http.StatusConflict,
	"wechat.unavailable":                http.StatusServiceUnavailable,
	"wechat.rejected":                   http.StatusBadGateway,
	"signature.invalid":                 http.StatusUnauthorized,
	"signature.replayed":                http.StatusUnauthorized,
	"not_ready":                         http.StatusServiceUnavailable,
	"internal":                          http.StatusInternalServerError,
}

// Transport-level errors: they describe the HTTP exchange, not the business,
// so they live here rather than in domain.
var (
	errInternal         = &domain.Error{Code: "internal", Message: "internal error; quote the X-Request-ID header when reporting it"}
	errNotReady         = &domain.Error{Code: "not_ready", Message: "the service is not ready"}
	errMethodNotAllowed = &domain.Error{Code: "request.method_not_allowed", Message: "method not allowed on this path"}
	errRequestTimeout   = &domain.Error{Code: "request.timeout", Message: "the request was not received in time"}
	errHeadersTooLarge  = &domain.Error{Code: "request.headers_too_large", Message: "the request headers are too large"}
)

// webErrors lists the errors above, for the mapper's test.
func webErrors() []*domain.Error {
	return []*domain.Error{errInternal, errNotReady, errMethodNotAllowed, errRequestTimeout, errHeadersTooLarge}
}

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Error errorView `json:"error"`
}

type errorView struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// errorHandler is Fiber's ErrorHandler: it picks the status, logs the cause
// once with the request ID and writes the error body. Only *domain.Error
// text reaches the client; anything else is "internal".
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		e, status := classify(err)
		level := slog.LevelDebug
		if status >= http.StatusInternalServerError {
			level = slog.LevelError
		}

		ctx := c.UserContext()
		if RequestID(ctx) == "" {
			// fasthttp rejected the request while reading it (413, 431,
			// 408): no middleware ran, so no access log line will follow,
			// and the connection closes after this answer with input
			// perhaps unread.
			ctx = setRequestID(c, newRequestID())
			lingerOnClose(c)
			level = max(level, slog.LevelInfo)
		}
		log.LogAttrs(ctx, level, "request failed",
			slog.String("method", c.Method()),
			slog.String("path", c.Path()),
			slog.Int("status", status),
			slog.String("code", e.Code),
			slog.String("error", err.Error()))

		setSecurityHeaders(c) // again: fasthttp's own refusals skip the middleware
		return c.Status(status).JSON(errorBody{Error: errorView{
			Code:    e.Code,
			Message: e.Message,
			Details: e.Details,
		}})
	}
}

// classify finds the client-safe error in err's chain and its status.
func classify(err error) (*domain.Error, int) {
	var de *domain.Error
	if errors.As(err, &de) {
		if status, ok := statusByCode[de.Code]; ok {
			return de, status
		}
		// A code without a status is our bug; its text is still safe to show.
		return de, http.StatusInternalServerError
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		e := fromFiberStatus(fe.Code)
		return e, statusByCode[e.Code]
	}
	return errInternal, http.StatusInternalServerError
}

// fromFiberStatus names the errors Fiber and fasthttp raise themselves
// (routing, body limit, parse failures). Their own messages may echo request
// bytes, so ours replace them.
func fromFiberStatus(status int) *domain.Error {
	switch status {
	case http.StatusBadRequest:
		return domain.ErrInvalidInput
	case http.StatusUnauthorized:
		return domain.ErrAuthRequired
	case http.StatusForbidden:
		return domain.ErrForbidden
	case http.StatusNotFound:
		return domain.ErrNotFound
	case http.StatusMethodNotAllowed:
		return errMethodNotAllowed
	case http.StatusRequestTimeout:
		return errRequestTimeout
	case http.StatusRequestEntityTooLarge:
		return domain.ErrTooLarge
	case http.StatusUnsupportedMediaType:
		return domain.ErrUnsupportedMedia
	case http.StatusRequestHeaderFieldsTooLarge:
		return errHeadersTooLarge
	}
	if status < http.StatusInternalServerError {
		return domain.ErrInvalidInput
	}
	return errInternal
}

// errorViewOf is the error shape for one item of a batch answer.
func errorViewOf(err error) errorView {
	e, _ := classify(err)
	return errorView{Code: e.Code, Message: e.Message, Details: e.Details}
}
