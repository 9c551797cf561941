package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// checkResult is what the final check found once the outbox drained.
type checkResult struct {
	Drained      time.Duration // from the end of the load to an empty outbox
	OutboxFailed int           // rows the worker gave up on
	Submitted    int           // reports submitted
	Approved     int           // reports approved
	Invoices     int           // invoices whose WeChat status was checked
	Wrong        []string      // invoices whose WeChat status is not what their report says
}

// Sandbox wallet statuses (WeChat's reimburse_status).
const (
	wxClosure = "INVOICE_REIMBURSE_CLOSURE"
	wxLock    = "INVOICE_REIMBURSE_LOCK"
)

// finalCheck waits for the outbox to drain, then reads every submitted
// invoice's status in the sandbox: CLOSURE when its report was approved,
// LOCK when it is still under review (an approval that failed).
func finalCheck(ctx context.Context, admin *client, l *ledger, timeout time.Duration) (checkResult, error) {
	began := time.Now()
	var res checkResult
	for {
		var page struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		if err := admin.do(ctx, "", http.MethodGet, "/api/v1/admin/outbox?state=pending&limit=1", nil, &page); err != nil {
			return res, err
		}
		if len(page.Items) == 0 {
			break
		}
		if time.Since(began) > timeout {
			return res, fmt.Errorf("the outbox still had pending rows after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	res.Drained = time.Since(began)
	var failed struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := admin.do(ctx, "", http.MethodGet, "/api/v1/admin/outbox?state=failed&limit=500", nil, &failed); err != nil {
		return res, err
	}
	res.OutboxFailed = len(failed.Items)

	l.mu.Lock()
	defer l.mu.Unlock()
	approved := map[string]bool{}
	for _, id := range l.approved {
		approved[id] = true
	}
	res.Submitted, res.Approved = len(l.submitted), len(l.approved)
	// One wallet read per employee covers all their invoices.
	wallets := map[string]map[cardRef]string{}
	for id, refs := range l.submitted {
		p := l.owner[id]
		w, ok := wallets[p.OpenID]
		if !ok {
			var err error
			if w, err = wallet(ctx, admin, p.OpenID); err != nil {
				return res, err
			}
			wallets[p.OpenID] = w
		}
		want := wxLock
		if approved[id] {
			want = wxClosure
		}
		for _, r := range refs {
			res.Invoices++
			if got := w[r]; got != want {
				res.Wrong = append(res.Wrong, fmt.Sprintf("report %s card %s: WeChat says %q, want %q", id, r.CardID, got, want))
			}
		}
	}
	return res, nil
}

// wallet reads an openid's wallet from the sandbox's control API.
func wallet(ctx context.Context, c *client, openid string) (map[cardRef]string, error) {
	var w struct {
		Items []struct {
			CardID          string `json:"card_id"`
			EncryptCode     string `json:"encrypt_code"`
			ReimburseStatus string `json:"reimburse_status"`
		} `json:"items"`
	}
	if err := c.do(ctx, "", http.MethodGet, "/sandbox/_control/wallets/"+url.PathEscape(openid), nil, &w); err != nil {
		return nil, err
	}
	out := make(map[cardRef]string, len(w.Items))
	for _, it := range w.Items {
		out[cardRef{it.CardID, it.EncryptCode}] = it.ReimburseStatus
	}
	return out, nil
}
