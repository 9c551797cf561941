package wechat_test

// Integration tests over real HTTP against the embedded WeChat sandbox
// (infra/sandbox), which keeps WeChat's rules: tokens, tickets, the status
// machine, same-openid batches, faults and a call log.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/require"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/sandbox"
	"github.com/baoxiao/baoxiao/infra/testkit"
	"github.com/baoxiao/baoxiao/infra/wechat"
)

// clock is the sandbox's clock, movable by tests (stable_token refuses
// force refreshes less than 30 s apart).
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time                 { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration)        { c.offset.Add(int64(d)) }
func withClock(c *clock) func(*sandbox.Options) { return func(o *sandbox.Options) { o.Now = c.Now } }

type env struct {
	t    *testing.T
	sb   *testkit.SandboxServer
	clk  *clock
	oa   *wechat.Client
	work *wechat.Client
}

func newEnv(t *testing.T, o wechat.Options) *env {
	t.Helper()
	clk := &clock{}
	sb := testkit.Sandbox(t, withClock(clk))
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &env{t: t, sb: sb, clk: clk, oa: oaClient(sb, o), work: workClient(sb, o, config.SandboxWorkSecret)}
}

func oaClient(sb *testkit.SandboxServer, o wechat.Options) *wechat.Client {
	return wechat.NewOA(wechat.OAOptions{
		APIBase: sb.URL, OpenBase: sb.URL, AppID: config.SandboxOAAppID, AppSecret: config.SandboxOAAppSecret, Options: o,
	})
}

func workClient(sb *testkit.SandboxServer, o wechat.Options, secret string) *wechat.Client {
	return wechat.NewWork(wechat.WorkOptions{
		APIBase: sb.URL, OpenBase: sb.URL, CorpID: config.SandboxWorkCorpID, AgentID: config.SandboxWorkAgentID,
		Secret: secret, Options: o,
	})
}

// ctl calls the sandbox's control API and decodes its JSON answer into out.
func (e *env) ctl(method, path string, body, out any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(e.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.sb.URL+"/_control"+path, rd)
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	require.Equal(e.t, http.StatusOK, resp.StatusCode, "%s %s: %s", method, path, raw)
	if out != nil {
		require.NoError(e.t, json.Unmarshal(raw, out), string(raw))
	}
}

type walletItem struct {
	CardID          string `json:"card_id"`
	EncryptCode     string `json:"encrypt_code"`
	ReimburseStatus string `json:"reimburse_status"`
	BillingNo       string `json:"billing_no"`
	BillingCode     string `json:"billing_code"`
	Fee             int64  `json:"fee"`
	LockedByAppID   string `json:"locked_by_appid"`
}

func (i walletItem) ref() app.CardRef {
	return app.CardRef{CardID: i.CardID, EncryptCode: i.EncryptCode}
}

func (e *env) wallet(openid, channel string) []walletItem {
	e.t.Helper()
	var w struct{ Items []walletItem }
	e.ctl(http.MethodGet, "/wallets/"+url.PathEscape(openid)+"?channel="+channel, nil, &w)
	require.NotEmpty(e.t, w.Items)
	return w.Items
}

type invoiceState struct {
	ReimburseStatus string `json:"reimburse_status"`
	OwnerOpenID     string `json:"owner_openid"`
	LockedByAppID   string `json:"locked_by_appid"`
}

func (e *env) state(ref app.CardRef) invoiceState {
	e.t.Helper()
	var s invoiceState
	e.ctl(http.MethodGet, "/invoice?card_id="+url.QueryEscape(ref.CardID)+"&encrypt_code="+url.QueryEscape(ref.EncryptCode), nil, &s)
	return s
}

type callRecord struct {
	Path     string `json:"path"`
	Errcode  int    `json:"errcode"`
	Invoices int    `json:"invoices"`
}

func (e *env) calls(path string) []callRecord {
	e.t.Helper()
	var c struct{ Items []callRecord }
	e.ctl(http.MethodGet, "/calls?path="+url.QueryEscape(path), nil, &c)
	return c.Items
}

func (e *env) clearCalls() { e.ctl(http.MethodDelete, "/calls", nil, nil) }

func (e *env) fault(f map[string]any) {
	e.ctl(http.MethodPost, "/faults", f, nil)
	e.t.Cleanup(func() { e.ctl(http.MethodDelete, "/faults", nil, nil) })
}

func user(id string) sandbox.DemoUser {
	for _, u := range sandbox.DemoUsers {
		if u.ID == id {
			return u
		}
	}
	panic("no demo user " + id)
}

func weErr(t *testing.T, err error) *app.WeChatError {
	t.Helper()
	var we *app.WeChatError
	require.True(t, errors.As(err, &we), "want *app.WeChatError, got %T %v", err, err)
	return we
}

// firstWith returns the first wallet item with that status and no foreign lock.
func firstWith(t *testing.T, items []walletItem, status string) walletItem {
	t.Helper()
	for _, it := range items {
		if it.ReimburseStatus == status && it.LockedByAppID == "" {
			return it
		}
	}
	t.Fatalf("no %s invoice in the wallet", status)
	return walletItem{}
}

func TestSandboxReadInvoices(t *testing.T) {
	e := newEnv(t, wechat.Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		c       *wechat.Client
		openid  string
		channel string
		batch   string
	}{
		{"oa", e.oa, user("emp-li").OAOpenID, "oa", "/card/invoice/reimburse/getinvoicebatch"},
		{"work", e.work, user("emp-wang").WorkOpenID, "work", "/cgi-bin/card/invoice/reimburse/getinvoiceinfobatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items := e.wallet(tc.openid, tc.channel)
			refs := make([]app.CardRef, len(items))
			for i, it := range items {
				refs[i] = it.ref()
			}
			one, err := tc.c.Invoice(ctx, refs[0])
			require.NoError(t, err)
			require.Equal(t, tc.openid, one.Facts.OwnerOpenID)
			require.Equal(t, domain.Channel(tc.channel), one.Facts.Channel)

			e.clearCalls()
			res, err := tc.c.Invoices(ctx, refs)
			require.NoError(t, err)
			require.Len(t, e.calls(tc.batch), 1, "one batch call for %d invoices", len(refs))
			sawNegative, sawNoNum, sawDigital := false, false, false
			for i, r := range res {
				require.NoError(t, r.Err, "item %d", i)
				inv := r.Invoice
				require.Equal(t, refs[i], inv.Ref)
				require.Equal(t, tc.openid, inv.Facts.OwnerOpenID)
				require.Equal(t, items[i].Fee, inv.Facts.Amount.Cents(), "item %d", i)
				require.Equal(t, items[i].BillingNo, inv.Facts.BillingNo)
				require.Equal(t, items[i].BillingCode, inv.Facts.BillingCode)
				st, _ := domain.ParseWeChatStatus(items[i].ReimburseStatus)
				require.Equal(t, st, inv.Status)
				require.NotEmpty(t, inv.Facts.ID.Number)
				require.NotEmpty(t, inv.Facts.Raw)
				sawDigital = sawDigital || inv.Facts.ID.Digital()
				for _, l := range inv.Facts.Lines {
					sawNegative = sawNegative || l.UnitPrice.IsNegative()
					sawNoNum = sawNoNum || l.Quantity == ""
				}
			}
			require.True(t, sawNegative, "the demo wallet has a discount line")
			require.True(t, sawNoNum, "the demo wallet has a line without num")
			require.True(t, sawDigital, "the demo wallet has a 数电 invoice")
		})
	}
}

func TestSandboxBatchOf100IsTwoCalls(t *testing.T) {
	e := newEnv(t, wechat.Options{BatchSize: 50})
	openid := user("emp-li").OAOpenID
	refs := make([]app.CardRef, 0, 100)
	for _, it := range e.wallet(openid, "oa") {
		refs = append(refs, it.ref())
	}
	for len(refs) < 100 {
		var out struct {
			CardID      string `json:"card_id"`
			EncryptCode string `json:"encrypt_code"`
		}
		e.ctl(http.MethodPost, "/invoices", map[string]any{"owner_openid": openid, "channel": "oa"}, &out)
		refs = append(refs, app.CardRef{CardID: out.CardID, EncryptCode: out.EncryptCode})
	}
	e.clearCalls()
	res, err := e.oa.Invoices(context.Background(), refs)
	require.NoError(t, err)
	for i, r := range res {
		require.NoError(t, r.Err, i)
		require.Equal(t, refs[i], r.Invoice.Ref)
	}
	calls := e.calls("getinvoicebatch")
	require.Len(t, calls, 2)
	require.Equal(t, 50, calls[0].Invoices)
	require.Equal(t, 50, calls[1].Invoices)
	require.Empty(t, e.calls("getinvoiceinfo"))
}

// An unknown item is left out of an errcode-0 batch answer: the chunk is
// read one by one and only that item fails.
func TestSandboxBatchMissingItem(t *testing.T) {
	e := newEnv(t, wechat.Options{})
	items := e.wallet(user("emp-wang").WorkOpenID, "work")
	refs := []app.CardRef{items[0].ref(), {CardID: items[1].CardID, EncryptCode: "bm90LWEtY29kZQ=="}, items[2].ref()}
	res, err := e.work.Invoices(context.Background(), refs)
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.NoError(t, res[2].Err)
	we := weErr(t, res[1].Err)
	require.Equal(t, app.Refused, we.Kind)
	require.Len(t, e.calls("getinvoiceinfobatch"), 1)
	singles := 0
	for _, c := range e.calls("reimburse/getinvoiceinfo") {
		if c.Path == "/cgi-bin/card/invoice/reimburse/getinvoiceinfo" {
			singles++
		}
	}
	require.Equal(t, 3, singles)
}

func TestSandboxStatusLifecycle(t *testing.T) {
	e := newEnv(t, wechat.Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		c       *wechat.Client
		openid  string
		channel string
		appID   string
	}{
		{"oa", e.oa, user("emp-li").OAOpenID, "oa", config.SandboxOAAppID},
		{"work", e.work, user("emp-wang").WorkOpenID, "work", config.SandboxWorkCorpID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := firstWith(t, e.wallet(tc.openid, tc.channel), "INVOICE_REIMBURSE_INIT").ref()
			require.NoError(t, tc.c.SetStatus(ctx, ref, domain.StatusLock))
			s := e.state(ref)
			require.Equal(t, "INVOICE_REIMBURSE_LOCK", s.ReimburseStatus)
			require.Equal(t, tc.appID, s.LockedByAppID)
			require.NoError(t, tc.c.SetStatus(ctx, ref, domain.StatusInit))
			require.Equal(t, "INVOICE_REIMBURSE_INIT", e.state(ref).ReimburseStatus)

			// INIT→CLOSURE: lock first.
			err := tc.c.SetStatus(ctx, ref, domain.StatusClosure)
			require.Equal(t, app.NeedsReread, weErr(t, err).Kind)
			require.Equal(t, 72039, weErr(t, err).Errcode)

			require.NoError(t, tc.c.SetStatus(ctx, ref, domain.StatusLock))
			require.NoError(t, tc.c.SetStatus(ctx, ref, domain.StatusClosure))
			inv, err := tc.c.Invoice(ctx, ref)
			require.NoError(t, err)
			require.Equal(t, domain.StatusClosure, inv.Status)

			// CLOSURE is final.
			err = tc.c.SetStatus(ctx, ref, domain.StatusInit)
			require.NotEqual(t, app.Retryable, weErr(t, err).Kind)
		})
	}
}

func TestSandboxLockedElsewhereIsRefused(t *testing.T) {
	e := newEnv(t, wechat.Options{})
	for _, it := range e.wallet(user("emp-li").OAOpenID, "oa") {
		if it.LockedByAppID == "" || it.LockedByAppID == config.SandboxOAAppID {
			continue
		}
		err := e.oa.SetStatus(context.Background(), it.ref(), domain.StatusLock)
		we := weErr(t, err)
		require.Equal(t, 72023, we.Errcode)
		require.Equal(t, app.Refused, we.Kind)
		require.Equal(t, "updateinvoicestatus", we.API)
		return
	}
	t.Fatal("the demo wallet has no invoice locked by another appid")
}

func TestSandboxSetStatusBatch(t *testing.T) {
	e := newEnv(t, wechat.Options{})
	ctx := context.Background()
	li := user("emp-li").OAOpenID
	var refs []app.CardRef
	for _, it := range e.wallet(li, "oa") {
		if it.ReimburseStatus == "INVOICE_REIMBURSE_INIT" && it.LockedByAppID == "" {
			refs = append(refs, it.ref())
		}
	}
	require.GreaterOrEqual(t, len(refs), 2)
	require.NoError(t, e.oa.SetStatusBatch(ctx, li, domain.StatusLock, refs))
	for _, r := range refs {
		require.Equal(t, "INVOICE_REIMBURSE_LOCK", e.state(r).ReimburseStatus)
	}

	// Mixed owners: 72037, and nothing changes.
	zhao := firstWith(t, e.wallet(user("mgr-zhao").OAOpenID, "oa"), "INVOICE_REIMBURSE_INIT").ref()
	err := e.oa.SetStatusBatch(ctx, li, domain.StatusInit, []app.CardRef{refs[0], zhao})
	we := weErr(t, err)
	require.Equal(t, 72037, we.Errcode)
	require.Equal(t, app.NeedsReread, we.Kind)
	require.Equal(t, "INVOICE_REIMBURSE_LOCK", e.state(refs[0]).ReimburseStatus)
	require.Equal(t, "INVOICE_REIMBURSE_INIT", e.state(zhao).ReimburseStatus)

	// WeCom, with the owner's WeCom openid.
	wang := user("emp-wang").WorkOpenID
	wref := firstWith(t, e.wallet(wang, "work"), "INVOICE_REIMBURSE_INIT").ref()
	require.NoError(t, e.work.SetStatusBatch(ctx, wang, domain.StatusLock, []app.CardRef{wref}))
	require.Equal(t, "INVOICE_REIMBURSE_LOCK", e.state(wref).ReimburseStatus)
}

// A chunk refused as too large (72055) is halved.
func TestSandboxBatchCapHalves(t *testing.T) {
	e := newEnv(t, wechat.Options{})
	e.ctl(http.MethodPost, "/switches", map[string]any{"batch_cap": 3}, nil)
	items := e.wallet(user("emp-li").OAOpenID, "oa")
	refs := make([]app.CardRef, 0, 8)
	for _, it := range items[:8] {
		refs = append(refs, it.ref())
	}
	e.clearCalls()
	res, err := e.oa.Invoices(context.Background(), refs)
	require.NoError(t, err)
	for i, r := range res {
		require.NoError(t, r.Err, i)
	}
	// 8 → 4+4 (72055) → 2+2+2+2.
	require.Len(t, e.calls("getinvoicebatch"), 7)
}

func TestSandboxTokenRefresh(t *testing.T) {
	e := newEnv(t, wechat.Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		name, token, path string
		c                 *wechat.Client
		openid, channel   string
	}{
		{"oa", "/cgi-bin/stable_token", "/card/invoice/reimburse/getinvoiceinfo", e.oa, user("emp-li").OAOpenID, "oa"},
		{"work", "/cgi-bin/gettoken", "/cgi-bin/card/invoice/reimburse/getinvoiceinfo", e.work, user("emp-wang").WorkOpenID, "work"},
	} {
		t.Run(tc.name+" 42001", func(t *testing.T) {
			ref := e.wallet(tc.openid, tc.channel)[0].ref()
			_, err := tc.c.Invoice(ctx, ref) // warm
			require.NoError(t, err)
			e.clearCalls()
			e.ctl(http.MethodPost, "/tokens/expire", nil, nil)
			_, err = tc.c.Invoice(ctx, ref)
			require.NoError(t, err)
			require.Len(t, e.calls(tc.token), 1, "exactly one refresh")
			calls := e.calls(tc.path)
			require.Len(t, calls, 2, "exactly one retry")
			require.Equal(t, 42001, calls[0].Errcode)
			require.Equal(t, 0, calls[1].Errcode)

			// Tickets of the dead token were dropped and fetched again.
			_, err = tc.c.ChooseInvoiceSign(ctx)
			require.NoError(t, err)
			require.Len(t, e.calls(tc.token), 1)
		})
	}

	// OA 40001: another system force-refreshes the stable token, which
	// kills ours at once.
	t.Run("oa 40001", func(t *testing.T) {
		ref := e.wallet(user("emp-li").OAOpenID, "oa")[0].ref()
		_, err := e.oa.Invoice(ctx, ref)
		require.NoError(t, err)
		e.clk.Advance(31 * time.Second)
		body := fmt.Sprintf(`{"grant_type":"client_credential","appid":%q,"secret":%q,"force_refresh":true}`, config.SandboxOAAppID, config.SandboxOAAppSecret)
		resp, err := http.Post(e.sb.URL+"/cgi-bin/stable_token", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		e.clearCalls()
		_, err = e.oa.Invoice(ctx, ref)
		require.NoError(t, err)
		require.Len(t, e.calls("stable_token"), 1)
		calls := e.calls("reimburse/getinvoiceinfo")
		require.Len(t, calls, 2)
		require.Equal(t, 40001, calls[0].Errcode)
	})
}

func TestSandboxWorkBadSecret(t *testing.T) {
	e := newEnv(t, wechat.Options{})
	bad := workClient(e.sb, wechat.Options{Logger: slog.New(slog.DiscardHandler)}, "not-the-secret")
	e.clearCalls()
	_, err := bad.Invoice(context.Background(), app.CardRef{CardID: "pX", EncryptCode: "eA=="})
	we := weErr(t, err)
	require.Equal(t, app.Misconfigured, we.Kind)
	require.Equal(t, 40001, we.Errcode)
	require.NotContains(t, err.Error(), "not-the-secret")
	require.Len(t, e.calls("gettoken"), 1, "no retry")
	require.Empty(t, e.calls("reimburse"))
}

func TestSandboxFaults(t *testing.T) {
	e := newEnv(t, wechat.Options{Timeout: 500 * time.Millisecond})
	ctx := context.Background()
	items := e.wallet(user("emp-li").OAOpenID, "oa")
	ref := firstWith(t, items, "INVOICE_REIMBURSE_INIT").ref()
	_, err := e.oa.Invoice(ctx, ref) // warm the token: faults hit reimburse paths only
	require.NoError(t, err)

	for _, tc := range []struct {
		name    string
		fault   map[string]any
		errcode int
		read    app.WeChatErrorKind
		update  app.WeChatErrorKind
	}{
		{"busy", map[string]any{"errcodes": []int{-1}}, -1, app.Retryable, app.Retryable},
		{"invoice busy", map[string]any{"errcodes": []int{72036}}, 72036, app.Retryable, app.Retryable},
		{"daily quota", map[string]any{"errcodes": []int{45009}}, 45009, app.Retryable, app.Retryable},
		{"http 500", map[string]any{"mode": "http_500"}, 0, app.Retryable, app.OutcomeUnknown},
		{"slow", map[string]any{"latency_ms": 1500}, 0, app.OutcomeUnknown, app.OutcomeUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := map[string]any{"paths": []string{"reimburse"}}
			for k, v := range tc.fault {
				f[k] = v
			}
			e.fault(f)
			_, err := e.oa.Invoice(ctx, ref)
			we := weErr(t, err)
			require.Equal(t, tc.read, we.Kind, "read: %v", err)
			require.Equal(t, tc.errcode, we.Errcode)
			err = e.oa.SetStatus(ctx, ref, domain.StatusLock)
			require.Equal(t, tc.update, weErr(t, err).Kind, "update: %v", err)
			e.ctl(http.MethodDelete, "/faults", nil, nil)
		})
	}

	// Applied, then no answer: the outcome is unknown and a re-read tells.
	t.Run("apply then timeout", func(t *testing.T) {
		e.fault(map[string]any{"mode": "apply_then_timeout", "hang_ms": 2000, "paths": []string{"updateinvoicestatus"}})
		err := e.oa.SetStatus(ctx, ref, domain.StatusLock)
		require.Equal(t, app.OutcomeUnknown, weErr(t, err).Kind)
		e.ctl(http.MethodDelete, "/faults", nil, nil)
		inv, err := e.oa.Invoice(ctx, ref)
		require.NoError(t, err)
		require.Equal(t, domain.StatusLock, inv.Status)
	})
}

func TestSandboxJSSDK(t *testing.T) {
	e := newEnv(t, wechat.Options{})
	ctx := context.Background()
	const page = "https://h5.example.com/import?from=menu"

	verify := func(path string, body map[string]any) {
		t.Helper()
		b, _ := json.Marshal(body)
		resp, err := http.Post(e.sb.URL+path, "application/json", bytes.NewReader(b))
		require.NoError(t, err)
		defer resp.Body.Close()
		var ans struct {
			OK     bool   `json:"ok"`
			ErrMsg string `json:"errMsg"`
			Detail string `json:"detail"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&ans))
		require.True(t, ans.OK, "%s: %s %s", path, ans.ErrMsg, ans.Detail)
	}
	ts := func(n int64) string { return fmt.Sprint(n) }

	oaCfg, err := e.oa.JSConfig(ctx, page+"#/step/2")
	require.NoError(t, err)
	verify("/_js/verify-config", map[string]any{"appId": oaCfg.AppID, "timestamp": ts(oaCfg.Timestamp), "nonceStr": oaCfg.NonceStr, "signature": oaCfg.Signature, "url": page})

	wc, err := e.work.JSConfig(ctx, page)
	require.NoError(t, err)
	require.Equal(t, config.SandboxWorkCorpID, wc.AppID)
	verify("/_js/verify-config", map[string]any{"appId": wc.AppID, "timestamp": ts(wc.Timestamp), "nonceStr": wc.NonceStr, "signature": wc.Signature, "url": page})
	require.NotNil(t, wc.Agent)
	verify("/_js/verify-agent-config", map[string]any{"corpid": wc.Agent.CorpID, "agentid": wc.Agent.AgentID, "timestamp": ts(wc.Agent.Timestamp), "nonceStr": wc.Agent.NonceStr, "signature": wc.Agent.Signature, "url": page})

	// chooseInvoice: the sandbox's wallet picker checks cardSign.
	for _, tc := range []struct {
		c      *wechat.Client
		openid string
	}{{e.oa, user("emp-li").OAOpenID}, {e.work, user("emp-wang").WorkOpenID}} {
		s, err := tc.c.ChooseInvoiceSign(ctx)
		require.NoError(t, err)
		q := url.Values{"appid": {tc.c.AppID()}, "signType": {s.SignType}, "timestamp": {ts(s.Timestamp)},
			"nonceStr": {s.NonceStr}, "cardSign": {s.CardSign}, "openid": {tc.openid}}
		resp, err := http.Get(e.sb.URL + "/_js/choose-invoice?" + q.Encode())
		require.NoError(t, err)
		html, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NotContains(t, string(html), "cardSign 校验失败", tc.c.Channel())
		require.NotContains(t, string(html), "缺少", tc.c.Channel())
	}
}

// With the ticket pinned to the official test vector the signature is the
// vector's own.
func TestSandboxJSConfigPinnedVector(t *testing.T) {
	e := newEnv(t, wechat.Options{Now: func() time.Time { return time.Unix(1414587457, 0) }})
	const ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
	e.ctl(http.MethodPost, "/tickets", map[string]any{"channel": "oa", "type": "jsapi", "ticket": ticket}, nil)
	cfg, err := e.oa.JSConfig(context.Background(), "http://mp.weixin.qq.com?params=value")
	require.NoError(t, err)
	require.Equal(t, wechat.SignJSConfig(ticket, cfg.NonceStr, 1414587457, "http://mp.weixin.qq.com?params=value"), cfg.Signature)
	require.Equal(t, "0f9de62fce790f9a083d5c99e95740ceb90c27ed", wechat.SignJSConfig(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value"))
}

// oauthCode follows the sandbox's authorize page as the given user and
// returns the code it redirects with.
func (e *env) oauthCode(c *wechat.Client, pick string) string {
	e.t.Helper()
	u := c.AuthorizeURL("https://h5.example.com/auth/callback?next=%2F", "st8")
	require.True(e.t, strings.HasPrefix(u, e.sb.URL+"/connect/oauth2/authorize?"), u)
	u = strings.TrimSuffix(u, "#wechat_redirect") + "&sandbox_pick=" + url.QueryEscape(pick)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(u)
	require.NoError(e.t, err)
	resp.Body.Close()
	require.Equal(e.t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(e.t, err)
	require.Equal(e.t, "st8", loc.Query().Get("state"))
	require.Equal(e.t, "/", loc.Query().Get("next"))
	return loc.Query().Get("code")
}

func TestSandboxOAuth(t *testing.T) {
	e := newEnv(t, wechat.Options{})
	ctx := context.Background()

	li := user("emp-li")
	code := e.oauthCode(e.oa, li.OAOpenID)
	u, err := e.oa.ExchangeCode(ctx, code)
	require.NoError(t, err)
	require.Equal(t, app.OAuthUser{OpenID: li.OAOpenID}, u)
	_, err = e.oa.ExchangeCode(ctx, code)
	require.Equal(t, app.Refused, weErr(t, err).Kind, "codes are single use")
	openid, err := e.oa.ConvertToOpenID(ctx, li.OAOpenID)
	require.NoError(t, err)
	require.Equal(t, li.OAOpenID, openid)

	wang := user("emp-wang")
	code = e.oauthCode(e.work, wang.WorkOpenID)
	u, err = e.work.ExchangeCode(ctx, code)
	require.NoError(t, err)
	require.Equal(t, wang.WorkUserID, u.UserID)
	_, err = e.work.ExchangeCode(ctx, code)
	require.Equal(t, app.Refused, weErr(t, err).Kind)
	_, err = e.work.ExchangeCode(ctx, "no-such-code")
	require.Equal(t, app.Refused, weErr(t, err).Kind)
	openid, err = e.work.ConvertToOpenID(ctx, wang.WorkUserID)
	require.NoError(t, err)
	require.Equal(t, wang.WorkOpenID, openid)
}

// Two instances sharing a Redis cache against the sandbox: one token
// fetch and one ticket fetch between them.
func TestSandboxSharedRedisToken(t *testing.T) {
	mr := miniredis.RunT(t)
	testSandboxSharedRedis(t, "redis://"+mr.Addr())
}

func TestSandboxSharedRealRedisToken(t *testing.T) {
	u := os.Getenv("REDIS_TEST_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but REDIS_TEST_URL is not set: the real-Redis run must happen in CI")
		}
		t.Skip("REDIS_TEST_URL not set")
	}
	testSandboxSharedRedis(t, u)
}

func testSandboxSharedRedis(t *testing.T, redisURL string) {
	ctx := context.Background()
	e := newEnv(t, wechat.Options{})
	prefix := fmt.Sprintf("baoxiao_sbtest_%d", time.Now().UnixNano())
	var clients []*wechat.Client
	for range 2 {
		cache, err := wechat.NewRedisCache(ctx, redisURL)
		require.NoError(t, err)
		t.Cleanup(func() { _ = cache.Close() })
		clients = append(clients, oaClient(e.sb, wechat.Options{Cache: cache, KeyPrefix: prefix, Logger: slog.New(slog.DiscardHandler)}))
	}
	ref := e.wallet(user("emp-li").OAOpenID, "oa")[0].ref()
	e.clearCalls()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			c := clients[i%2]
			_, err := c.Invoice(ctx, ref)
			require.NoError(t, err)
			_, err = c.JSConfig(ctx, "https://h5.example.com/")
			require.NoError(t, err)
		})
	}
	wg.Wait()
	require.Len(t, e.calls("stable_token"), 1)
	require.Len(t, e.calls("ticket/getticket"), 1)
	require.Len(t, e.calls("reimburse/getinvoiceinfo"), 16)

	// Expired for both: one refresh between them.
	e.ctl(http.MethodPost, "/tokens/expire", nil, nil)
	for i := range 8 {
		wg.Go(func() {
			_, err := clients[i%2].Invoice(ctx, ref)
			require.NoError(t, err)
		})
	}
	wg.Wait()
	require.Len(t, e.calls("stable_token"), 2)
}
