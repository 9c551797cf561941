package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/domain"
)

// validator is implemented by request structs that check themselves after
// decoding; decodeJSON calls it so handlers cannot forget.
type validator interface {
	validate() error
}

// decodeJSON reads the request body into v strictly: the body must be
// declared JSON (415), be one JSON value with no unknown fields and no
// trailing data (400, naming the field or the byte offset). An empty body
// is {} (DECISIONS 27). If v has a validate method, it runs last.
func decodeJSON(c *fiber.Ctx, v any) error {
	if err := checkJSONBody(c); err != nil {
		return err
	}
	// The raw body: c.Body() would inflate a Content-Encoding past BodyLimit.
	body := c.Request().Body()
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	// encoding/json would silently turn bad bytes into U+FFFD.
	if !utf8.Valid(body) {
		return domain.ErrInvalidInput.WithMessage("the request body is not valid UTF-8")
	}

	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return domain.ErrInvalidInput.WithMessage("unexpected data after the JSON value")
	}
	if val, ok := v.(validator); ok {
		return val.validate()
	}
	return nil
}

// jsonError turns a decoding failure into request.invalid that says where.
func jsonError(err error) error {
	var (
		de  *domain.Error
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &de):
		// A field type's own UnmarshalJSON (e.g. money) already said what is wrong.
		return err
	case errors.As(err, &syn):
		return domain.ErrInvalidInput.
			WithMessage(fmt.Sprintf("malformed JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))).
			With(map[string]any{"offset": syn.Offset})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return domain.ErrInvalidInput.WithMessage("malformed JSON: unexpected end of input")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return domain.ErrInvalidInput.WithMessage("the request body must be " + jsonKind(typ.Type))
		}
		return domain.Invalid(typ.Field, "must be "+jsonKind(typ.Type))
	}
	// encoding/json has no type for this one; its text is stable.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if field, uerr := strconv.Unquote(name); uerr == nil {
			return domain.Invalid(field, "unknown field")
		}
	}
	var inv *json.InvalidUnmarshalError
	if errors.As(err, &inv) {
		return err // a non-pointer target is our bug: 500
	}
	return fmt.Errorf("%w: %w", domain.ErrInvalidInput.WithMessage("the request body has an invalid value"), err)
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a different type"
}
