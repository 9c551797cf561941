package service_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// erpClient is an ERP system calling the open API with its credentials.
type erpClient struct {
	t      testing.TB
	base   string
	id     string
	secret string
	token  string // the Yuanian token, once fetched
}

func newERP(t testing.TB, a *testkit.AppServer, name string) *erpClient {
	t.Helper()
	got, secret, err := a.Svc.OpenAPI.CreateApp(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return &erpClient{t: t, base: a.URL, id: got.ID, secret: secret}
}

func nonce() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// signedReq is one native call; zero fields take correct values.
type signedReq struct {
	method, target string
	body           []byte
	appID, secret  string
	ts             int64
	nonce          string
	idemKey        string
	noSign         bool
	tamper         bool
	contentType    string // default application/json
}

func (e *erpClient) send(r signedReq) testkit.Response {
	e.t.Helper()
	if r.appID == "" {
		r.appID = e.id
	}
	if r.secret == "" {
		r.secret = e.secret
	}
	if r.ts == 0 {
		r.ts = time.Now().Unix()
	}
	if r.nonce == "" {
		r.nonce = nonce()
	}
	tsText := strconv.FormatInt(r.ts, 10)
	sig := app.NativeSignature(r.secret, app.NativeStringToSign(r.method, r.target, tsText, r.nonce, r.body))
	if r.tamper {
		sig = strings.Repeat("0", len(sig))
	}
	req, err := http.NewRequest(r.method, e.base+r.target, bytes.NewReader(r.body))
	if err != nil {
		e.t.Fatal(err)
	}
	if r.method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if !r.noSign {
		req.Header.Set("X-Baoxiao-App", r.appID)
		req.Header.Set("X-Baoxiao-Timestamp", tsText)
		req.Header.Set("X-Baoxiao-Nonce", r.nonce)
		req.Header.Set("X-Baoxiao-Signature", sig)
	}
	if r.idemKey != "" {
		req.Header.Set("Idempotency-Key", r.idemKey)
	}
	return doHTTP(e.t, req)
}

func doHTTP(t testing.TB, req *http.Request) testkit.Response {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := testkit.Response{Status: res.StatusCode, Body: b}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(b, &out.JSON)
	}
	if res.Header.Get("Idempotent-Replayed") == "true" {
		if out.JSON == nil {
			out.JSON = map[string]any{}
		}
		out.JSON["__replayed"] = true
	}
	return out
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// call is a correctly signed native call.
func (e *erpClient) call(method, target string, body any, idemKey string) testkit.Response {
	e.t.Helper()
	var raw []byte
	if body != nil {
		raw = mustJSON(e.t, body)
	}
	return e.send(signedReq{method: method, target: target, body: raw, idemKey: idemKey})
}

// ynReq is one Yuanian call; zero fields take correct values.
type ynReq struct {
	path      string
	body      any
	rawBody   string // instead of body, exactly as sent
	header    map[string]any
	secret    string
	timestamp time.Time
	noToken   bool
	sign      string
}

// yn sends a Yuanian call and decodes {"code","message","data"}; the HTTP
// status is always 200.
func (e *erpClient) yn(r ynReq) map[string]any {
	e.t.Helper()
	h := map[string]any{"appId": e.id, "vendor": "WECHAT", "format": "JSON", "version": "v1.0"}
	if r.timestamp.IsZero() {
		r.timestamp = time.Now()
	}
	h["timestamp"] = r.timestamp.In(app.Shanghai).Format(app.YuanianTimeLayout)
	if !r.noToken && r.path != "/openapi/auth/token" {
		if e.token == "" {
			e.fetchToken()
		}
		h["token"] = e.token
	}
	for k, v := range r.header {
		if v == nil {
			delete(h, k)
		} else {
			h[k] = v
		}
	}
	raw := r.rawBody
	if raw == "" && r.body != nil {
		raw = string(mustJSON(e.t, r.body))
	}
	text := map[string]string{}
	for k, v := range h {
		switch v := v.(type) {
		case string:
			text[k] = v
		default:
			text[k] = string(mustJSON(e.t, v))
		}
	}
	secret := r.secret
	if secret == "" {
		secret = e.secret
	}
	h["sign"] = app.YuanianSign(text, []byte(raw), secret)
	if r.sign != "" {
		h["sign"] = r.sign
	}
	env := `{"header":` + string(mustJSON(e.t, h))
	if raw != "" {
		env += `,"body":` + raw
	}
	env += "}"
	req, _ := http.NewRequest(http.MethodPost, e.base+r.path, strings.NewReader(env))
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	res := doHTTP(e.t, req)
	if res.Status != http.StatusOK {
		e.t.Fatalf("%s: HTTP %d %s", r.path, res.Status, res.Body)
	}
	res.JSON["__sign"] = h["sign"]
	res.JSON["__raw"] = env
	return res.JSON
}

func (e *erpClient) fetchToken() {
	e.t.Helper()
	res := e.yn(ynReq{path: "/openapi/auth/token"})
	if res["code"] != float64(1000) {
		e.t.Fatalf("token: %v", res)
	}
	e.token = res["data"].(map[string]any)["token"].(string)
}

// ynCode is the result code of a Yuanian answer.
func ynCode(res map[string]any) int {
	f, _ := res["code"].(float64)
	return int(f)
}

func wantYn(t testing.TB, what string, res map[string]any, code int) {
	t.Helper()
	if ynCode(res) != code {
		t.Fatalf("%s: code %v, want %d: %v", what, res["code"], code, res["message"])
	}
}

func cards(invs []map[string]any) []map[string]any {
	out := make([]map[string]any, len(invs))
	for i, inv := range invs {
		out[i] = map[string]any{"card_id": inv["card_id"], "encrypt_code": inv["encrypt_code"]}
	}
	return out
}

func ynCards(invs []map[string]any) []map[string]any {
	out := make([]map[string]any, len(invs))
	for i, inv := range invs {
		out[i] = map[string]any{"cardId": inv["card_id"], "encryptCode": inv["encrypt_code"]}
	}
	return out
}

// lockElsewhere makes another company hold an invoice's lock in WeChat.
func lockElsewhere(t testing.TB, a *testkit.AppServer, inv map[string]any) {
	t.Helper()
	if res := a.Sandbox(t, http.MethodPost, "/_control/invoice", map[string]any{
		"card_id": inv["card_id"], "encrypt_code": inv["encrypt_code"],
		"reimburse_status": "INVOICE_REIMBURSE_LOCK", "locked_by_appid": "wxothercompany00001",
	}); res.Status != http.StatusOK {
		t.Fatalf("lock elsewhere: %d %s", res.Status, res.Body)
	}
}

func errorDetails(res testkit.Response) map[string]any {
	e, _ := res.JSON["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	return d
}
