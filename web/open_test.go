package web

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// The open API's routes (both profiles), the QR import and the webhook
// admin are in openapi.json.
func TestOpenAPIListsOpenRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	full := New(Deps{
		Auth: &app.Auth{}, Invoices: &app.Invoices{}, OpenAPI: &app.OpenAPI{}, ERP: &app.ERP{},
		QRImports: &app.QRImports{}, Webhooks: &app.Webhooks{},
	})
	var mine []string
	for _, m := range undocumented(full, doc) {
		if strings.Contains(m, " /open") || strings.Contains(m, "/qr-imports") || strings.Contains(m, "/admin/webhooks") {
			mine = append(mine, m)
		}
	}
	if len(mine) > 0 {
		t.Errorf("openapi.json lacks %v", mine)
	}
	var count int
	for _, r := range full.GetRoutes(true) {
		if len(r.Path) > 8 && (r.Path[:8] == "/open/v1" || r.Path[:8] == "/openapi") {
			count++
		}
	}
	if count < 15 {
		t.Fatalf("%d open-API routes registered", count)
	}
}

func TestOpenAPIErrorsHaveStatuses(t *testing.T) {
	for e, want := range map[*domain.Error]int{
		app.ErrIdempotencyConflict: http.StatusConflict, app.ErrIdempotencyInProgress: http.StatusConflict,
		app.ErrQRExpired: http.StatusGone, app.ErrQRUsed: http.StatusConflict,
	} {
		if _, status := classify(e); status != want {
			t.Errorf("%s: %d, want %d", e.Code, status, want)
		}
	}
}

// Yuanian result codes follow the error codes (wechat-protocol.md §10).
func TestYuanianCodes(t *testing.T) {
	for err, want := range map[error]int{
		domain.ErrSignatureInvalid:                                       ynAuth,
		domain.ErrAuthRequired:                                           ynAuth,
		domain.ErrSignatureReplayed:                                      ynReplay,
		domain.Invalid("openid", "required"):                             ynBadRequest,
		domain.ErrNotFound:                                               ynNotFound,
		domain.ErrForbidden.WithMessage("not in your wallet"):            ynBadRequest,
		domain.ErrWeChatUnavailable:                                      ynUnavailable,
		domain.ErrWeChatRejected.With(map[string]any{"errcode": 40078}):  ynRefused,
		domain.ErrLockedElsewhere.With(map[string]any{"errcode": 72023}): ynRefused,
		domain.ErrInvoiceInReport:                                        ynConflict,
		app.ErrQRExpired:                                                 ynConflict,
		errors.New("disk full"):                                          ynInternal,
	} {
		if got, msg := yuanianCode(err); got != want {
			t.Errorf("%v: %d (%s), want %d", err, got, msg, want)
		}
	}
	if _, msg := yuanianCode(domain.Invalid("openid", "required")); msg == "" {
		t.Error("no message")
	}
	if _, msg := yuanianCode(errors.New("SQL password=hunter2")); msg != "internal error" {
		t.Errorf("internal message %q", msg)
	}
}
