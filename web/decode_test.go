package web

import (
	"errors"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/domain"
)

type decodeLine struct {
	Name   string `json:"name"`
	Amount string `json:"amount"`
}

type decodeRequest struct {
	Title    string       `json:"title"`
	Count    int          `json:"count"`
	Urgent   bool         `json:"urgent"`
	IDs      []string     `json:"invoice_ids"`
	Lines    []decodeLine `json:"lines"`
	Optional *string      `json:"optional"`
}

type validatedRequest struct {
	Reason string `json:"reason"`
}

func (r validatedRequest) validate() error {
	if r.Reason == "" {
		return domain.Invalid("reason", "required")
	}
	return nil
}

func TestDecodeJSON(t *testing.T) {
	app, _ := newTestApp(t, Deps{})
	// /test paths are outside the JSON-only prefixes: decodeJSON checks on its own.
	app.Post("/test/decode", func(c *fiber.Ctx) error {
		var req decodeRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		return c.JSON(req)
	})
	app.Post("/test/validated", func(c *fiber.Ctx) error {
		var req validatedRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		return c.SendStatus(http.StatusNoContent)
	})

	const json = "application/json"
	cases := []struct {
		name, path, contentType, body string
		status                        int
		code, message                 string
		fields                        map[string]any
	}{
		{name: "ok", path: "/test/decode", contentType: json, body: `{"title":"t","count":2,"invoice_ids":["a"]}`, status: 200},
		{name: "empty body is {}", path: "/test/decode", contentType: json, body: "", status: 200},
		{name: "blank body is {}", path: "/test/decode", contentType: json, body: " \n", status: 200},
		{name: "trailing whitespace", path: "/test/decode", contentType: json, body: "{}\n", status: 200},
		{name: "not JSON type", path: "/test/decode", contentType: "text/plain", body: "{}", status: 415, code: "request.unsupported_media_type"},
		{name: "no type", path: "/test/decode", body: "", status: 415, code: "request.unsupported_media_type"},
		{name: "unknown field", path: "/test/decode", contentType: json, body: `{"title":"t","admin":true}`, status: 400, code: "request.invalid",
			message: "admin: unknown field", fields: map[string]any{"admin": "unknown field"}},
		{name: "wrong type", path: "/test/decode", contentType: json, body: `{"count":"2"}`, status: 400, code: "request.invalid",
			message: "count: must be an integer", fields: map[string]any{"count": "must be an integer"}},
		{name: "fraction for integer", path: "/test/decode", contentType: json, body: `{"count":1.5}`, status: 400, code: "request.invalid",
			fields: map[string]any{"count": "must be an integer"}},
		{name: "nested wrong type", path: "/test/decode", contentType: json, body: `{"lines":[{"amount":1.5}]}`, status: 400, code: "request.invalid",
			fields: map[string]any{"lines.amount": "must be a string"}},
		{name: "array for string", path: "/test/decode", contentType: json, body: `{"title":["x"]}`, status: 400, code: "request.invalid",
			fields: map[string]any{"title": "must be a string"}},
		{name: "not an object", path: "/test/decode", contentType: json, body: `[1,2]`, status: 400, code: "request.invalid",
			message: "the request body must be an object"},
		{name: "malformed", path: "/test/decode", contentType: json, body: `{"title": x}`, status: 400, code: "request.invalid",
			message: "malformed JSON at byte 11: invalid character 'x' looking for beginning of value"},
		{name: "truncated", path: "/test/decode", contentType: json, body: `{"title": "x"`, status: 400, code: "request.invalid",
			message: "malformed JSON: unexpected end of input"},
		{name: "trailing data", path: "/test/decode", contentType: json, body: `{} {}`, status: 400, code: "request.invalid",
			message: "unexpected data after the JSON value"},
		{name: "trailing garbage", path: "/test/decode", contentType: json, body: `{}x`, status: 400, code: "request.invalid",
			message: "unexpected data after the JSON value"},
		{name: "bad UTF-8", path: "/test/decode", contentType: json, body: "{\"title\":\"\xff\"}", status: 400, code: "request.invalid",
			message: "the request body is not valid UTF-8"},
		{name: "validate runs", path: "/test/validated", contentType: json, body: `{}`, status: 400, code: "request.invalid",
			fields: map[string]any{"reason": "required"}},
		{name: "validate passes", path: "/test/validated", contentType: json, body: `{"reason":"no receipt"}`, status: 204},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, app, http.MethodPost, tc.path, tc.contentType, tc.body)
			wantStatus(t, res, tc.status)
			if tc.code == "" {
				return
			}
			got := errorOf(t, res)
			if got.Code != tc.code {
				t.Errorf("code = %q, want %q", got.Code, tc.code)
			}
			if tc.message != "" && got.Message != tc.message {
				t.Errorf("message = %q, want %q", got.Message, tc.message)
			}
			if tc.fields != nil {
				wantEqual(t, got.Details["fields"], tc.fields)
			}
		})
	}
}

// moneyField stands in for a view type with its own UnmarshalJSON.
type moneyField string

func (m *moneyField) UnmarshalJSON([]byte) error { return domain.Invalid("amount", "two decimals") }

func TestDecodeJSONKeepsDomainErrorsFromUnmarshalers(t *testing.T) {
	app, _ := newTestApp(t, Deps{})
	app.Post("/test/money", func(c *fiber.Ctx) error {
		var req struct {
			Amount moneyField `json:"amount"`
		}
		return decodeJSON(c, &req)
	})
	got := errorOf(t, do(t, app, http.MethodPost, "/test/money", "application/json", `{"amount":"1.5"}`))
	wantEqual(t, got.Details["fields"], map[string]any{"amount": "two decimals"})
}

func TestJSONErrorOtherUnmarshalerErrorsStayGeneric(t *testing.T) {
	err := jsonError(errors.New("amount: bad digits"))
	if !errors.Is(err, domain.ErrInvalidInput) {
		t.Fatalf("got %v", err)
	}
}
