package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// wallet is the fake's invoices: encrypt_code → card_id.
type wallet map[string]string

func refsN(n int) ([]app.CardRef, wallet) {
	refs := make([]app.CardRef, n)
	w := wallet{}
	for i := range refs {
		refs[i] = app.CardRef{CardID: fmt.Sprintf("pCard%d", i%3), EncryptCode: fmt.Sprintf("Ab+c/%03d==", i)}
		w[refs[i].EncryptCode] = refs[i].CardID
	}
	return refs, w
}

// item is a getinvoiceinfo-shaped answer for the invoice numbered by its
// encrypt_code.
func item(cardID, code string) map[string]any {
	var n int
	_, _ = fmt.Sscanf(code, "Ab+c/%03d==", &n)
	return map[string]any{
		"card_id": cardID, "openid": "oOWNER", "type": "增值税电子普通发票", "payee": "某公司",
		"user_info": map[string]any{
			"fee": 100 + n, "fee_without_tax": 100 + n, "tax": 0, "title": "某公司",
			"billing_no": fmt.Sprintf("%08d", n), "billing_code": "044031900111",
			"reimburse_status": "INVOICE_REIMBURSE_INIT",
		},
	}
}

type batchReq struct {
	ItemList []wireRef `json:"item_list"`
}

// serveWallet answers getinvoiceinfo from w (72031 for unknown pairs) and
// the batch query through batch, which gets the decoded request.
func serveWallet(f *fakeWeChat, p paths, w wallet, batch func(req batchReq) any) {
	f.handle(p.invoice, func(rw http.ResponseWriter, _ *http.Request, body []byte) {
		var r wireRef
		_ = json.Unmarshal(body, &r)
		if card, ok := w[r.EncryptCode]; ok && card == r.CardID {
			a := item(r.CardID, r.EncryptCode)
			a["errcode"], a["errmsg"] = 0, "ok"
			writeJSON(rw, a)
			return
		}
		writeJSON(rw, map[string]any{"errcode": 72031, "errmsg": "invalid params"})
	})
	f.handle(p.invoiceBatch, func(rw http.ResponseWriter, _ *http.Request, body []byte) {
		var r batchReq
		_ = json.Unmarshal(body, &r)
		writeJSON(rw, batch(r))
	})
}

// honest answers every known item in order, omitting unknown ones.
func honest(w wallet) func(batchReq) any {
	return func(r batchReq) any {
		items := []any{}
		for _, it := range r.ItemList {
			if card, ok := w[it.EncryptCode]; ok && card == it.CardID {
				items = append(items, item(it.CardID, it.EncryptCode))
			}
		}
		return map[string]any{"errcode": 0, "errmsg": "ok", "item_list": items}
	}
}

func requireAllRead(t *testing.T, refs []app.CardRef, res []app.InvoiceResult) {
	t.Helper()
	require.Len(t, res, len(refs))
	for i, r := range res {
		require.NoError(t, r.Err, i)
		require.Equal(t, refs[i], r.Ref)
		require.Equal(t, refs[i], r.Invoice.Ref)
		require.Equal(t, refs[i].EncryptCode, r.Invoice.Facts.EncryptCode)
		require.Equal(t, fmt.Sprintf("%08d", i), r.Invoice.Facts.ID.Number, "item %d matched to the wrong ref", i)
		require.Equal(t, domain.StatusInit, r.Invoice.Status)
	}
}

func TestInvoicesBatchMatched(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client func(f *fakeWeChat, o Options) *Client
		p      paths
	}{{"oa", (*fakeWeChat).oa, oaPaths}, {"work", (*fakeWeChat).work, workPaths}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			refs, w := refsN(100)
			serveWallet(f, tc.p, w, honest(w))
			res, err := tc.client(f, Options{}).Invoices(context.Background(), refs)
			require.NoError(t, err)
			requireAllRead(t, refs, res)
			require.Equal(t, 2, f.count(tc.p.invoiceBatch), "100 refs at 50 a batch")
			require.Equal(t, 0, f.count(tc.p.invoice))
			var one map[string]any
			require.NoError(t, json.Unmarshal(res[7].Invoice.Facts.Raw, &one))
			require.Equal(t, "pCard1", one["card_id"], "Raw is the item's own JSON")
			require.NotContains(t, one, "errcode")
		})
	}
}

func TestInvoicesBatchSizeOption(t *testing.T) {
	f := newFake(t)
	refs, w := refsN(10)
	serveWallet(f, oaPaths, w, honest(w))
	res, err := f.oa(Options{BatchSize: 3}).Invoices(context.Background(), refs)
	require.NoError(t, err)
	requireAllRead(t, refs, res)
	// 3+3+3 in batches, the last single one through getinvoiceinfo.
	require.Equal(t, 3, f.count(oaPaths.invoiceBatch))
	require.Equal(t, 1, f.count(oaPaths.invoice))
}

// An item missing from an errcode-0 answer: counts differ, so the chunk is
// read one by one and the missing invoice gets its own error.
func TestInvoicesBatchMissingItemFallsBackToSingles(t *testing.T) {
	f := newFake(t)
	refs, w := refsN(5)
	refs = append(refs, app.CardRef{CardID: "pCard0", EncryptCode: "unknown/=="})
	serveWallet(f, oaPaths, w, honest(w))
	res, err := f.oa(Options{}).Invoices(context.Background(), refs)
	require.NoError(t, err)
	requireAllRead(t, refs[:5], res[:5])
	we := weErr(t, res[5].Err)
	require.Equal(t, 72031, we.Errcode)
	require.Equal(t, app.Refused, we.Kind)
	require.Equal(t, 1, f.count(oaPaths.invoiceBatch))
	require.Equal(t, 6, f.count(oaPaths.invoice))
}

func TestInvoicesBatchOrderMismatchFallsBackToSingles(t *testing.T) {
	f := newFake(t)
	refs, w := refsN(4)
	serveWallet(f, oaPaths, w, func(r batchReq) any {
		a := honest(w)(r).(map[string]any)
		items := a["item_list"].([]any)
		items[0], items[1] = items[1], items[0] // pCard0 and pCard1 swapped
		return a
	})
	res, err := f.oa(Options{}).Invoices(context.Background(), refs)
	require.NoError(t, err)
	requireAllRead(t, refs, res)
	require.Equal(t, 4, f.count(oaPaths.invoice))
}

// Same card_id everywhere: the counts agree and the card_ids match, but an
// item that carries a different encrypt_code gives the swap away.
func TestInvoicesBatchEncryptCodeMismatchFallsBackToSingles(t *testing.T) {
	f := newFake(t)
	refs := []app.CardRef{{CardID: "pSame", EncryptCode: "Ab+c/000=="}, {CardID: "pSame", EncryptCode: "Ab+c/001=="}}
	w := wallet{"Ab+c/000==": "pSame", "Ab+c/001==": "pSame"}
	serveWallet(f, oaPaths, w, func(r batchReq) any {
		a, b := item("pSame", "Ab+c/001=="), item("pSame", "Ab+c/000==")
		a["encrypt_code"], b["encrypt_code"] = "Ab+c/001==", "Ab+c/000=="
		return map[string]any{"errcode": 0, "item_list": []any{a, b}}
	})
	res, err := f.oa(Options{}).Invoices(context.Background(), refs)
	require.NoError(t, err)
	requireAllRead(t, refs, res)
	require.Equal(t, 2, f.count(oaPaths.invoice))
}

// WeCom refuses the batch call for small corps: read one by one.
func TestInvoicesBatchRefusedFallsBackToSingles(t *testing.T) {
	f := newFake(t)
	refs, w := refsN(3)
	serveWallet(f, workPaths, w, func(batchReq) any {
		return map[string]any{"errcode": 48002, "errmsg": "api forbidden"}
	})
	res, err := f.work(Options{}).Invoices(context.Background(), refs)
	require.NoError(t, err)
	requireAllRead(t, refs, res)
	require.Equal(t, 1, f.count(workPaths.invoiceBatch))
	require.Equal(t, 3, f.count(workPaths.invoice))
}

func TestInvoicesBatchTooManyHalves(t *testing.T) {
	f := newFake(t)
	refs, w := refsN(8)
	serveWallet(f, oaPaths, w, func(r batchReq) any {
		if len(r.ItemList) > 2 {
			return map[string]any{"errcode": 72055, "errmsg": "too many invoices"}
		}
		return honest(w)(r)
	})
	res, err := f.oa(Options{}).Invoices(context.Background(), refs)
	require.NoError(t, err)
	requireAllRead(t, refs, res)
	// 8 → 4+4 → 2+2+2+2: 1 + 2 + 4 calls.
	require.Equal(t, 7, f.count(oaPaths.invoiceBatch))
	require.Equal(t, 0, f.count(oaPaths.invoice))
}

func TestInvoicesBatchBusyFailsTheChunk(t *testing.T) {
	f := newFake(t)
	refs, w := refsN(3)
	serveWallet(f, oaPaths, w, func(batchReq) any { return map[string]any{"errcode": -1, "errmsg": "system busy"} })
	res, err := f.oa(Options{}).Invoices(context.Background(), refs)
	we := weErr(t, err)
	require.Equal(t, app.Retryable, we.Kind)
	for _, r := range res {
		require.Equal(t, app.Retryable, weErr(t, r.Err).Kind)
	}
	require.Equal(t, 0, f.count(oaPaths.invoice))
}

func TestInvoicesItemProblemsArePerItem(t *testing.T) {
	f := newFake(t)
	refs, w := refsN(3)
	serveWallet(f, oaPaths, w, func(r batchReq) any {
		a := honest(w)(r).(map[string]any)
		items := a["item_list"].([]any)
		items[1].(map[string]any)["user_info"].(map[string]any)["fee"] = "12.5"
		items[2].(map[string]any)["user_info"].(map[string]any)["reimburse_status"] = "INVOICE_REIMBURSE_WHAT"
		return a
	})
	res, err := f.oa(Options{}).Invoices(context.Background(), refs)
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.Equal(t, app.Unreadable, weErr(t, res[1].Err).Kind)
	require.Contains(t, weErr(t, res[2].Err).Errmsg, "reimburse_status")
	require.Equal(t, 0, f.count(oaPaths.invoice))
}

func TestInvoicesEmpty(t *testing.T) {
	f := newFake(t)
	res, err := f.oa(Options{}).Invoices(context.Background(), nil)
	require.NoError(t, err)
	require.Empty(t, res)
	require.Equal(t, 0, f.count("/cgi-bin/stable_token"))
}

func TestSetStatusBody(t *testing.T) {
	f := newFake(t)
	f.handle(workPaths.setStatus, okAnswer)
	require.NoError(t, f.work(Options{}).SetStatus(context.Background(), sampleRef, domain.StatusClosure))
	require.JSONEq(t, `{"card_id":"pX","encrypt_code":"Ab+c/d==","reimburse_status":"INVOICE_REIMBURSE_CLOSURE"}`, string(f.lastBody(workPaths.setStatus)))

	err := f.work(Options{}).SetStatus(context.Background(), sampleRef, domain.StatusCancel)
	require.Equal(t, app.Refused, weErr(t, err).Kind)
}

type setBatchReq struct {
	OpenID          string    `json:"openid"`
	ReimburseStatus string    `json:"reimburse_status"`
	InvoiceList     []wireRef `json:"invoice_list"`
}

func TestSetStatusBatchChunks(t *testing.T) {
	f := newFake(t)
	var sizes []int
	f.handle(oaPaths.setStatusBatch, func(w http.ResponseWriter, _ *http.Request, body []byte) {
		var r setBatchReq
		_ = json.Unmarshal(body, &r)
		sizes = append(sizes, len(r.InvoiceList))
		if r.OpenID != "oOWNER" || r.ReimburseStatus != "INVOICE_REIMBURSE_LOCK" {
			writeJSON(w, map[string]any{"errcode": 72031})
			return
		}
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
	})
	refs, _ := refsN(120)
	require.NoError(t, f.oa(Options{}).SetStatusBatch(context.Background(), "oOWNER", domain.StatusLock, refs))
	f.set(func(*fakeWeChat) { require.Equal(t, []int{50, 50, 20}, sizes) })
}

// A failure after a chunk went through says which refs were applied.
func TestSetStatusBatchPartialFailure(t *testing.T) {
	f := newFake(t)
	calls := 0
	f.handle(oaPaths.setStatusBatch, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		calls++
		if calls == 2 {
			writeJSON(w, map[string]any{"errcode": 72037, "errmsg": "openid not match"})
			return
		}
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
	})
	refs, _ := refsN(120)
	c := f.oa(Options{})
	err := c.SetStatusBatch(context.Background(), "oOWNER", domain.StatusClosure, refs)
	var be *BatchError
	require.True(t, errors.As(err, &be))
	require.Equal(t, refs[:50], be.Applied)
	we := weErr(t, err)
	require.Equal(t, app.NeedsReread, we.Kind)
	require.Equal(t, 72037, we.Errcode)

	// Failing at the first chunk: the plain WeChat error, nothing applied.
	f.set(func(*fakeWeChat) { calls = 1 })
	err = c.SetStatusBatch(context.Background(), "oOWNER", domain.StatusClosure, refs)
	require.False(t, errors.As(err, &be))
	require.Equal(t, 72037, weErr(t, err).Errcode)
}

func TestSetStatusBatchTooManyHalves(t *testing.T) {
	f := newFake(t)
	var sizes []int
	f.handle(workPaths.setStatusBatch, func(w http.ResponseWriter, _ *http.Request, body []byte) {
		var r setBatchReq
		_ = json.Unmarshal(body, &r)
		sizes = append(sizes, len(r.InvoiceList))
		if len(r.InvoiceList) > 10 {
			writeJSON(w, map[string]any{"errcode": 72052})
			return
		}
		writeJSON(w, map[string]any{"errcode": 0})
	})
	refs, _ := refsN(40)
	require.NoError(t, f.work(Options{BatchSize: 40}).SetStatusBatch(context.Background(), "oOWNER", domain.StatusInit, refs))
	f.set(func(*fakeWeChat) { require.Equal(t, []int{40, 20, 10, 10, 20, 10, 10}, sizes) })
}

// A permission error on the batch may only mean "too small for batches";
// when the single call meets it too, the rest fail without more calls.
func TestInvoicesBatchPermissionThenSingleMisconfigured(t *testing.T) {
	f := newFake(t)
	refs, _ := refsN(5)
	f.answer(workPaths.invoiceBatch, map[string]any{"errcode": 48001, "errmsg": "api unauthorized"})
	f.answer(workPaths.invoice, map[string]any{"errcode": 48001, "errmsg": "api unauthorized"})
	res, err := f.work(Options{}).Invoices(context.Background(), refs)
	require.Equal(t, app.Misconfigured, weErr(t, err).Kind)
	for _, r := range res {
		require.Equal(t, 48001, weErr(t, r.Err).Errcode)
	}
	require.Equal(t, 1, f.count(workPaths.invoiceBatch))
	require.Equal(t, 1, f.count(workPaths.invoice))
}
