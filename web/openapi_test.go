package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/notify"
	"github.com/baoxiao/baoxiao/domain"
)

// undocumentedPrefixes hold routes outside the public API: the WeChat
// sandbox (WeChat's own paths) and the static H5 page.
var undocumentedPrefixes = []string{"/sandbox", "/h5"}

type openAPIShape struct {
	OpenAPI    string                               `json:"openapi"`
	Paths      map[string]map[string]map[string]any `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type, In, Name string
		} `json:"securitySchemes"`
		Schemas struct {
			Money struct {
				Pattern string `json:"pattern"`
			} `json:"Money"`
			Error struct {
				Properties struct {
					Error struct {
						Properties struct {
							Code struct {
								Description string   `json:"description"`
								Enum        []string `json:"enum"`
							} `json:"code"`
						} `json:"properties"`
					} `json:"error"`
				} `json:"properties"`
			} `json:"Error"`
		} `json:"schemas"`
	} `json:"components"`
}

func loadOpenAPI(t *testing.T) openAPIShape {
	t.Helper()
	var doc openAPIShape
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Fatalf("openapi = %q, want 3.0.x", doc.OpenAPI)
	}
	return doc
}

var routeParam = regexp.MustCompile(`:([A-Za-z0-9_]+)\??`)

// TestOpenAPIListsEveryRoute keeps openapi.json current: a new route
// without its description fails here.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t)
	full := New(Deps{
		Auth: &app.Auth{}, JSAPI: &app.JSAPI{}, Invoices: &app.Invoices{}, Reports: &app.Reports{},
		OutboxAdmin: &app.OutboxAdmin{}, Finance: &app.Finance{}, Archives: &app.Archives{}, Events: &app.Events{}, Sandbox: fiber.New(),
		Directory: &app.Directory{}, Company: &app.Company{}, Approvals: &app.Approvals{}, QRLogins: &app.QRLogins{}, Inbox: &notify.Inbox{},
		Channels:  []domain.Channel{domain.ChannelOA, domain.ChannelWork},
		Callbacks: map[domain.Channel]CallbackConfig{domain.ChannelOA: {}, domain.ChannelWork: {}},
	})
	if missing := undocumented(full, doc); len(missing) > 0 {
		t.Errorf("openapi.json lacks %v", missing)
	}

	// The check itself catches a missing route and converts parameters.
	bare := New(Deps{})
	bare.Put("/api/v1/reports/:id", func(c *fiber.Ctx) error { return nil })
	bare.Get("/sandbox/cgi-bin/token", func(c *fiber.Ctx) error { return nil })
	wantEqual(t, undocumented(bare, doc), []string{"PUT /api/v1/reports/{id}"})
}

// undocumented lists the app's routes that openapi.json does not describe.
func undocumented(app *fiber.App, doc openAPIShape) []string {
	var missing []string
	for _, r := range app.GetRoutes(true) {
		if r.Method == http.MethodHead || slices.ContainsFunc(undocumentedPrefixes, func(p string) bool {
			return r.Path == p || strings.HasPrefix(r.Path, p+"/")
		}) {
			continue
		}
		path := routeParam.ReplaceAllString(r.Path, "{$1}")
		if _, ok := doc.Paths[path][strings.ToLower(r.Method)]; !ok {
			missing = append(missing, r.Method+" "+path)
		}
	}
	return missing
}

// TestOpenAPIErrorCodes keeps the Error schema in step with statusByCode.
func TestOpenAPIErrorCodes(t *testing.T) {
	doc := loadOpenAPI(t)
	code := doc.Components.Schemas.Error.Properties.Error.Properties.Code
	var want []string
	for c, status := range statusByCode {
		want = append(want, c)
		if !strings.Contains(code.Description, fmt.Sprintf("%s %d", c, status)) {
			t.Errorf("Error.code description lacks %q", fmt.Sprintf("%s %d", c, status))
		}
	}
	got := slices.Clone(code.Enum)
	sort.Strings(got)
	sort.Strings(want)
	wantEqual(t, got, want)
}

func TestOpenAPIConventions(t *testing.T) {
	doc := loadOpenAPI(t)
	money := regexp.MustCompile(doc.Components.Schemas.Money.Pattern)
	for s, ok := range map[string]bool{"1234.50": true, "-0.01": true, "0.00": true, "1234.5": false, "12": false, "1e3": false, "1.234": false} {
		if money.MatchString(s) != ok {
			t.Errorf("Money pattern on %q = %v", s, !ok)
		}
	}
	cookie, ok := doc.Components.SecuritySchemes["sessionCookie"]
	if !ok || cookie.Type != "apiKey" || cookie.In != "cookie" || cookie.Name != "baoxiao_session" {
		t.Errorf("sessionCookie scheme: %+v", cookie)
	}
}

func TestOpenAPIServed(t *testing.T) {
	app, _ := newTestApp(t, Deps{})
	res := do(t, app, http.MethodGet, "/api/v1/openapi.json", "", "")
	wantStatus(t, res, http.StatusOK)
	if mt := mediaType(res.Header.Get("Content-Type")); mt != "application/json" {
		t.Fatalf("Content-Type %q", mt)
	}
	if got := bodyOf(t, res)["openapi"]; got != loadOpenAPI(t).OpenAPI {
		t.Fatalf("served openapi = %v", got)
	}
}
