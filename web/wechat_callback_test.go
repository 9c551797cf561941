package web

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/silenceper/wechat/v2/util"

	"github.com/baoxiao/baoxiao/domain"
)

// The callback rules (issue 15, items 3 and 4): an empty token never
// verifies; with an EncodingAESKey only the encrypted form is taken; every
// mode refuses a timestamp more than CallbackWindow from our clock.
func TestCallbackRules(t *testing.T) {
	const (
		token = "tok"
		appID = "wx0123456789abcdef"
		corp  = "ww0123456789"
		nonce = "42"
	)
	key := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Date(2026, 10, 9, 8, 30, 0, 0, time.UTC)
	fresh, old, ahead := unix(now.Add(-time.Minute)), unix(now.Add(-6*time.Minute)), unix(now.Add(6*time.Minute))
	// A message the handler reads and answers "success" without touching
	// events: any verified body ends in 200.
	const msg = "<xml><MsgType><![CDATA[text]]></MsgType><Content>hi</Content></xml>"
	encrypt := func(recv string) string {
		enc, err := util.EncryptMsg([]byte("0123456789abcdef"), []byte(msg), recv, key)
		if err != nil {
			t.Fatal(err)
		}
		return string(enc)
	}
	envelope := func(enc string) string {
		return "<xml><ToUserName>gh_x</ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	}
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return "/cb?" + v.Encode()
	}
	oaPlain := CallbackConfig{AppID: appID, Token: token}
	oaAES := CallbackConfig{AppID: appID, Token: token, EncodingAESKey: key}
	work := CallbackConfig{AppID: corp, Token: token, EncodingAESKey: key}
	oaEnc, workEnc := encrypt(appID), encrypt(corp)
	echo := encrypt(corp)

	tests := []struct {
		name    string
		channel domain.Channel
		cfg     CallbackConfig
		method  string
		target  string
		body    string
		status  int
		code    string // error code, or the body wanted on 200
	}{
		// OA plaintext mode.
		{"OA check", domain.ChannelOA, oaPlain, http.MethodGet, q("signature", sha1Sorted(token, fresh, nonce), "timestamp", fresh, "nonce", nonce, "echostr", "hello"), "", 200, "hello"},
		{"OA check 6 minutes old", domain.ChannelOA, oaPlain, http.MethodGet, q("signature", sha1Sorted(token, old, nonce), "timestamp", old, "nonce", nonce, "echostr", "hello"), "", 401, "signature.replayed"},
		{"OA check 6 minutes ahead", domain.ChannelOA, oaPlain, http.MethodGet, q("signature", sha1Sorted(token, ahead, nonce), "timestamp", ahead, "nonce", nonce, "echostr", "hello"), "", 401, "signature.replayed"},
		{"OA check with a timestamp not a number", domain.ChannelOA, oaPlain, http.MethodGet, q("signature", sha1Sorted(token, "soon", nonce), "timestamp", "soon", "nonce", nonce, "echostr", "hello"), "", 401, "signature.replayed"},
		{"OA plaintext push", domain.ChannelOA, oaPlain, http.MethodPost, q("signature", sha1Sorted(token, fresh, nonce), "timestamp", fresh, "nonce", nonce), msg, 200, "success"},
		{"OA plaintext push 6 minutes old", domain.ChannelOA, oaPlain, http.MethodPost, q("signature", sha1Sorted(token, old, nonce), "timestamp", old, "nonce", nonce), msg, 401, "signature.replayed"},
		{"OA plaintext push without a timestamp", domain.ChannelOA, oaPlain, http.MethodPost, q("signature", sha1Sorted(token, "", nonce), "nonce", nonce), msg, 401, "signature.replayed"},
		{"OA encrypted push without a key", domain.ChannelOA, oaPlain, http.MethodPost, q("signature", sha1Sorted(token, fresh, nonce), "encrypt_type", "aes", "msg_signature", sha1Sorted(token, fresh, nonce, oaEnc), "timestamp", fresh, "nonce", nonce), envelope(oaEnc), 401, "signature.invalid"},

		// An empty token: its signature is public.
		{"OA check, no token", domain.ChannelOA, CallbackConfig{AppID: appID}, http.MethodGet, q("signature", sha1Sorted("", fresh, nonce), "timestamp", fresh, "nonce", nonce, "echostr", "hello"), "", 401, "signature.invalid"},
		{"OA push, no token", domain.ChannelOA, CallbackConfig{AppID: appID}, http.MethodPost, q("signature", sha1Sorted("", fresh, nonce), "timestamp", fresh, "nonce", nonce), msg, 401, "signature.invalid"},
		{"OA encrypted push, no token", domain.ChannelOA, CallbackConfig{AppID: appID, EncodingAESKey: key}, http.MethodPost, q("encrypt_type", "aes", "msg_signature", sha1Sorted("", fresh, nonce, oaEnc), "timestamp", fresh, "nonce", nonce), envelope(oaEnc), 401, "signature.invalid"},
		{"WeCom check, no token", domain.ChannelWork, CallbackConfig{AppID: corp, EncodingAESKey: key}, http.MethodGet, q("msg_signature", sha1Sorted("", fresh, nonce, echo), "timestamp", fresh, "nonce", nonce, "echostr", echo), "", 401, "signature.invalid"},
		{"WeCom push, no token", domain.ChannelWork, CallbackConfig{AppID: corp, EncodingAESKey: key}, http.MethodPost, q("msg_signature", sha1Sorted("", fresh, nonce, workEnc), "timestamp", fresh, "nonce", nonce), envelope(workEnc), 401, "signature.invalid"},

		// OA with a key: the encrypted form only.
		{"OA+key plaintext push", domain.ChannelOA, oaAES, http.MethodPost, q("signature", sha1Sorted(token, fresh, nonce), "timestamp", fresh, "nonce", nonce), msg, 401, "signature.invalid"},
		{"OA+key plaintext body with a valid signature but aes claimed", domain.ChannelOA, oaAES, http.MethodPost, q("signature", sha1Sorted(token, fresh, nonce), "encrypt_type", "aes", "timestamp", fresh, "nonce", nonce), envelope(oaEnc), 401, "signature.invalid"},
		{"OA+key encrypted push", domain.ChannelOA, oaAES, http.MethodPost, q("signature", sha1Sorted(token, fresh, nonce), "encrypt_type", "aes", "msg_signature", sha1Sorted(token, fresh, nonce, oaEnc), "timestamp", fresh, "nonce", nonce), envelope(oaEnc), 200, "success"},
		{"OA+key msg_signature of another ciphertext", domain.ChannelOA, oaAES, http.MethodPost, q("encrypt_type", "aes", "msg_signature", sha1Sorted(token, fresh, nonce, workEnc), "timestamp", fresh, "nonce", nonce), envelope(oaEnc), 401, "signature.invalid"},
		{"OA+key encrypted push 6 minutes old", domain.ChannelOA, oaAES, http.MethodPost, q("encrypt_type", "aes", "msg_signature", sha1Sorted(token, old, nonce, oaEnc), "timestamp", old, "nonce", nonce), envelope(oaEnc), 401, "signature.replayed"},
		{"OA+key check", domain.ChannelOA, oaAES, http.MethodGet, q("signature", sha1Sorted(token, fresh, nonce), "timestamp", fresh, "nonce", nonce, "echostr", "hello"), "", 200, "hello"},
		{"OA+key check 6 minutes old", domain.ChannelOA, oaAES, http.MethodGet, q("signature", sha1Sorted(token, old, nonce), "timestamp", old, "nonce", nonce, "echostr", "hello"), "", 401, "signature.replayed"},

		// WeCom: always encrypted, and fresh.
		{"WeCom check", domain.ChannelWork, work, http.MethodGet, q("msg_signature", sha1Sorted(token, fresh, nonce, echo), "timestamp", fresh, "nonce", nonce, "echostr", echo), "", 200, msg},
		{"WeCom check 6 minutes old", domain.ChannelWork, work, http.MethodGet, q("msg_signature", sha1Sorted(token, old, nonce, echo), "timestamp", old, "nonce", nonce, "echostr", echo), "", 401, "signature.replayed"},
		{"WeCom push", domain.ChannelWork, work, http.MethodPost, q("msg_signature", sha1Sorted(token, fresh, nonce, workEnc), "timestamp", fresh, "nonce", nonce), envelope(workEnc), 200, "success"},
		{"WeCom push 6 minutes ahead", domain.ChannelWork, work, http.MethodPost, q("msg_signature", sha1Sorted(token, ahead, nonce, workEnc), "timestamp", ahead, "nonce", nonce), envelope(workEnc), 401, "signature.replayed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Now = func() time.Time { return now }
			status, body := callbackCall(t, tt.channel, tt.cfg, tt.method, tt.target, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if status == http.StatusOK {
				if body != tt.code {
					t.Fatalf("body %q, want %q", body, tt.code)
				}
				return
			}
			var e struct {
				Error struct{ Code string } `json:"error"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code != tt.code {
				t.Fatalf("error %s, want code %s", body, tt.code)
			}
			if strings.Contains(body, "hello") {
				t.Fatalf("echoed on a refusal: %s", body)
			}
		})
	}
}

// Without a clock the window is measured with the system's.
func TestCallbackWindowDefaultsToTheSystemClock(t *testing.T) {
	cfg := CallbackConfig{AppID: "wx1", Token: "tok"}
	for _, tt := range []struct {
		at   time.Time
		want int
	}{{time.Now(), 200}, {time.Now().Add(-time.Hour), 401}} {
		ts := unix(tt.at)
		status, body := callbackCall(t, domain.ChannelOA, cfg, http.MethodGet, "/cb?signature="+sha1Sorted("tok", ts, "1")+"&timestamp="+ts+"&nonce=1&echostr=e", "")
		if status != tt.want {
			t.Fatalf("timestamp %s: %d %s, want %d", ts, status, body, tt.want)
		}
	}
}

func callbackCall(t *testing.T, ch domain.Channel, cfg CallbackConfig, method, target, body string) (int, string) {
	t.Helper()
	a := fiber.New(fiber.Config{ErrorHandler: errorHandler(slog.New(slog.NewTextHandler(io.Discard, nil)))})
	h := &callbackHandler{channel: ch, cfg: cfg}
	a.Get("/cb", h.verify)
	a.Post("/cb", h.receive)
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "text/xml")
	}
	res, err := a.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
