package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/sandbox"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// Checklist 13: faults.
func TestChecklist13Faults(t *testing.T) {
	e := start(t)
	oa := e.oaToken()
	li := demo("emp-li").OAOpenID
	inv := firstInit(t, e, li)
	get := func() resp { return e.post(oaR+"getinvoiceinfo", tok(oa), ref(inv)) }
	clear := func() { e.ctl(http.MethodDelete, "/faults", nil) }

	t.Run("errcodes at rate 1, only on matching paths", func(t *testing.T) {
		for _, code := range []int{-1, 72036, 45009, 45011} {
			e.ctl(http.MethodPost, "/faults", map[string]any{"rate": 1, "errcodes": []int{code}, "paths": []string{"reimburse"}})
			wantErrcode(t, get(), code)
			wantErrcode(t, e.get("/cgi-bin/ticket/getticket", url.Values{"access_token": {oa}, "type": {"jsapi"}}), 0)
		}
		clear()
		wantErrcode(t, get(), 0)
	})
	t.Run("an errcode fault changes nothing", func(t *testing.T) {
		e.ctl(http.MethodPost, "/faults", map[string]any{"errcodes": []int{-1}, "paths": []string{"updateinvoicestatus"}})
		wantErrcode(t, e.setStatus("oa", oa, inv, sLOCK), -1)
		clear()
		s, _, _ := e.invoiceState(inv.CardID, inv.EncryptCode)
		must(t, s == sINIT, "status %s", s)
	})
	t.Run("rate 0 never fires", func(t *testing.T) {
		e.ctl(http.MethodPost, "/faults", map[string]any{"rate": 0, "errcodes": []int{-1}})
		for range 20 {
			wantErrcode(t, get(), 0)
		}
		clear()
	})
	t.Run("latency", func(t *testing.T) {
		e.ctl(http.MethodPost, "/faults", map[string]any{"latency_ms": 150, "paths": []string{"getinvoiceinfo"}})
		t0 := time.Now()
		wantErrcode(t, get(), 0)
		must(t, time.Since(t0) >= 150*time.Millisecond, "no latency: %v", time.Since(t0))
		clear()
	})
	t.Run("HTTP 500", func(t *testing.T) {
		e.ctl(http.MethodPost, "/faults", map[string]any{"mode": "http_500", "paths": []string{"getinvoiceinfo"}})
		r := get()
		must(t, r.Status == 500, "status %d", r.Status)
		clear()
	})
	t.Run("apply then time out", func(t *testing.T) {
		e.ctl(http.MethodPost, "/faults", map[string]any{"mode": "apply_then_timeout", "paths": []string{"updateinvoicestatus"}})
		defer clear()
		client := &http.Client{Timeout: 300 * time.Millisecond}
		body, _ := json.Marshal(map[string]any{"card_id": inv.CardID, "encrypt_code": inv.EncryptCode, "reimburse_status": sLOCK})
		_, err := client.Post(e.url+oaR+"updateinvoicestatus?access_token="+url.QueryEscape(oa), "application/json", strings.NewReader(string(body)))
		var ue *url.Error
		must(t, errors.As(err, &ue) && ue.Timeout(), "want a client timeout, got %v", err)
		s, _, _ := e.invoiceState(inv.CardID, inv.EncryptCode)
		must(t, s == sLOCK, "the change was not applied: %s", s)
	})
	t.Run("bad fault bodies are refused", func(t *testing.T) {
		for _, b := range []map[string]any{{"rate": 2}, {"mode": "explode"}, {"latency_ms": -1}} {
			r := e.do(http.MethodPost, "/_control/faults", nil, b)
			must(t, r.Status == 400, "%v accepted", b)
		}
	})
}

func TestFaultHangEndsOnClose(t *testing.T) {
	e := start(t)
	oa := e.oaToken()
	e.ctl(http.MethodPost, "/faults", map[string]any{"mode": "apply_then_timeout", "paths": []string{"getticket"}})
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get(e.url + "/cgi-bin/ticket/getticket?type=jsapi&access_token=" + url.QueryEscape(oa))
		if err == nil {
			resp.Body.Close()
		}
	}()
	// The call is logged once applied, just before the hang starts.
	for deadline := time.Now().Add(10 * time.Second); ; <-time.After(10 * time.Millisecond) {
		r := e.ctl(http.MethodGet, "/calls?path=getticket", nil)
		if items, _ := r.JSON["items"].([]any); len(items) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the getticket call never arrived")
		}
	}
	_ = e.sb.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the hang outlived Close")
	}
}

// Checklist 15: the call log.
func TestChecklist15CallLog(t *testing.T) {
	e := start(t)
	oa := e.oaToken()
	li := demo("emp-li").OAOpenID
	w := e.wallet(li)
	e.ctl(http.MethodDelete, "/calls", nil)

	e.post(oaR+"getinvoicebatch", tok(oa), map[string]any{"item_list": []any{ref(w[0]), ref(w[1]), ref(w[2])}})
	e.post(oaR+"getinvoicebatch", tok(oa), map[string]any{"item_list": []any{ref(w[3])}})
	e.post(oaR+"updatestatusbatch", tok(oa), map[string]any{"openid": li, "reimburse_status": sLOCK,
		"invoice_list": []any{ref(w[0]), ref(w[1])}})
	e.post(oaR+"getinvoiceinfo", tok("bogus"), ref(w[0]))

	r := e.ctl(http.MethodGet, "/calls?path=getinvoicebatch", nil)
	var calls struct {
		Items []struct {
			At       string `json:"at"`
			Method   string `json:"method"`
			Path     string `json:"path"`
			Errcode  int    `json:"errcode"`
			Invoices int    `json:"invoices"`
			OpenID   string `json:"openid"`
		} `json:"items"`
	}
	must(t, json.Unmarshal(r.Body, &calls) == nil && len(calls.Items) == 2, "calls %s", r.Body)
	must(t, calls.Items[0].Invoices == 3 && calls.Items[1].Invoices == 1 && calls.Items[0].Path == oaR+"getinvoicebatch" &&
		calls.Items[0].Method == "POST", "batch sizes %s", r.Body)
	_, err := time.Parse(time.RFC3339Nano, calls.Items[0].At)
	must(t, err == nil, "at %q", calls.Items[0].At)

	r = e.ctl(http.MethodGet, "/calls?path=updatestatusbatch", nil)
	_ = json.Unmarshal(r.Body, &calls)
	must(t, len(calls.Items) == 1 && calls.Items[0].OpenID == li && calls.Items[0].Invoices == 2, "batch update %s", r.Body)
	r = e.ctl(http.MethodGet, "/calls?path=getinvoiceinfo", nil)
	_ = json.Unmarshal(r.Body, &calls)
	must(t, len(calls.Items) == 1 && calls.Items[0].Errcode == 40014, "refused call %s", r.Body)

	all := e.ctl(http.MethodGet, "/calls", nil)
	must(t, !strings.Contains(string(all.Body), oa) && !strings.Contains(string(all.Body), "access_token"), "the log holds the token")
	e.ctl(http.MethodDelete, "/calls", nil)
	r = e.ctl(http.MethodGet, "/calls", nil)
	must(t, string(r.Body) == `{"items":[]}`, "not cleared: %s", r.Body)
}

func TestControlEndpoints(t *testing.T) {
	e := start(t)
	li := demo("emp-li").OAOpenID

	t.Run("invoices: create, read, set", func(t *testing.T) {
		w := e.newInvoice(li, "", map[string]any{
			"type": "增值税电子普通发票", "payee": "测试商户",
			"user_info": map[string]any{"fee": "21200", "fee_without_tax": 20000, "tax": 1200, "billing_no": "00000001", "billing_code": "044031900111"},
		})
		must(t, w.CardID != "" && w.Code != "" && strings.ContainsAny(w.EncryptCode, "+/="), "created %+v", w)
		status, owner, lockedBy := e.invoiceState(w.CardID, w.EncryptCode)
		must(t, status == sINIT && owner == li && lockedBy == "", "state %s %s %s", status, owner, lockedBy)
		// The same numbers again: control bypasses 72042.
		dup := e.newInvoice(li, "oa", map[string]any{"billing_no": "00000001", "billing_code": "044031900111", "reimburse_status": "LOCK", "locked_by_appid": "wxsomeone"})
		status, _, lockedBy = e.invoiceState(dup.CardID, dup.EncryptCode)
		must(t, status == sLOCK && lockedBy == "wxsomeone", "dup state %s %s", status, lockedBy)
		var found walletItem
		for _, it := range e.wallet(li) {
			if it.EncryptCode == w.EncryptCode {
				found = it
			}
		}
		must(t, found.Fee == 21200 && found.BillingNo == "00000001" && found.Channel == "oa", "wallet item %+v", found)

		set := e.ctl(http.MethodPost, "/invoice", map[string]any{"card_id": w.CardID, "encrypt_code": w.EncryptCode, "reimburse_status": "CLOSURE", "locked_by_appid": "wxabc"})
		must(t, set.str("reimburse_status") == sCLOSURE && set.str("locked_by_appid") == "wxabc", "set %s", set.Body)
		r := e.do(http.MethodGet, "/_control/invoice", url.Values{"card_id": {w.CardID}, "encrypt_code": {strings.ToLower(w.EncryptCode)}}, nil)
		must(t, r.Status == 404, "case-folded encrypt_code found: %d", r.Status)
		must(t, e.do(http.MethodPost, "/_control/invoices", nil, map[string]any{"channel": "oa"}).Status == 400, "no owner accepted")
	})
	t.Run("switches are partial updates", func(t *testing.T) {
		r := e.ctl(http.MethodPost, "/switches", map[string]any{"batch_cap": 5})
		must(t, r.JSON["batch_cap"] == float64(5) && r.JSON["batch_fail_whole"] == false, "switches %s", r.Body)
		r = e.ctl(http.MethodPost, "/switches", map[string]any{"batch_fail_whole": true})
		must(t, r.JSON["batch_cap"] == float64(5) && r.JSON["batch_fail_whole"] == true, "switches %s", r.Body)
		r = e.ctl(http.MethodGet, "/switches", nil)
		must(t, r.JSON["batch_cap"] == float64(5), "get switches %s", r.Body)
	})
	t.Run("users", func(t *testing.T) {
		r := e.ctl(http.MethodPost, "/users", map[string]any{"channel": "oa", "name": "新人", "employee_id": "emp-new"})
		openid := r.str("openid")
		must(t, len(openid) == 28 && r.str("appid") == config.SandboxOAAppID, "user %s", r.Body)
		must(t, e.do(http.MethodPost, "/_control/users", nil, map[string]any{"channel": "oa", "openid": openid}).Status == 409, "duplicate user")
		code, _ := e.authorize(config.SandboxOAAppID, "", "emp-new")
		must(t, e.snsToken(code).str("openid") == openid, "new user cannot sign in")
		list := e.ctl(http.MethodGet, "/users?channel=work", nil)
		items, _ := list.JSON["items"].([]any)
		must(t, len(items) == 4, "WeCom users %s", list.Body)
	})
}

func TestSeedIsIdempotent(t *testing.T) {
	e := start(t)
	before := map[string][]walletItem{}
	for _, u := range sandbox.DemoUsers {
		before[u.OAOpenID] = e.wallet(u.OAOpenID)
		if u.WorkOpenID != "" {
			before[u.WorkOpenID] = e.wallet(u.WorkOpenID)
		}
	}
	oa := e.oaToken()
	w := firstInit(t, e, demo("emp-li").OAOpenID)
	wantErrcode(t, e.setStatus("oa", oa, w, sLOCK), 0)
	if err := e.sb.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	users := e.ctl(http.MethodGet, "/users", nil)
	items, _ := users.JSON["items"].([]any)
	must(t, len(items) == demoIdentities(), "users after reseed: %d, want %d", len(items), demoIdentities())
	for openid, want := range before {
		got := e.wallet(openid)
		must(t, len(got) == len(want), "%s: %d invoices, want %d", openid, len(got), len(want))
		for i := range got {
			must(t, got[i].EncryptCode == want[i].EncryptCode && got[i].Code == want[i].Code, "%s item %d changed", openid, i)
		}
	}
	s, _, _ := e.invoiceState(w.CardID, w.EncryptCode)
	must(t, s == sLOCK, "reseed reset a status: %s", s)
}

func TestStateSurvivesRestart(t *testing.T) {
	db := testkit.SQLiteUnmigrated(t).DB
	clk := newClock()
	e1 := newEnv(t, testkit.SandboxOn(t, db, withClock(clk, nil)...), clk)
	oa := e1.oaToken()
	li := demo("emp-li").OAOpenID
	w := firstInit(t, e1, li)
	wantErrcode(t, e1.setStatus("oa", oa, w, sLOCK), 0)
	added := e1.newInvoice(li, "oa", nil)
	code, _ := e1.authorize(config.SandboxOAAppID, "", "emp-li")
	_ = e1.sb.Close()

	e2 := newEnv(t, testkit.SandboxOn(t, db, withClock(clk, nil)...), clk)
	// The token, the lock, the added invoice and the OAuth code survive.
	wantErrcode(t, e2.setStatus("oa", oa, w, sCLOSURE), 0)
	must(t, len(e2.wallet(li)) == len(e1.wallet(li)), "wallets differ")
	s, _, _ := e2.invoiceState(added.CardID, added.EncryptCode)
	must(t, s == sINIT, "added invoice: %s", s)
	r := e2.snsToken(code)
	must(t, r.str("openid") == li, "OAuth code lost: %s", r.Body)
}
