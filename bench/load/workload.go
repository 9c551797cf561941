package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
)

// cardRef names an invoice in WeChat.
type cardRef struct{ CardID, EncryptCode string }

// ledger remembers what the load did, for the final check.
type ledger struct {
	mu        sync.Mutex
	submitted map[string][]cardRef // report id → its invoices
	owner     map[string]*person   // report id → its employee
	approved  []string
}

func newLedger() *ledger {
	return &ledger{submitted: map[string][]cardRef{}, owner: map[string]*person{}}
}

// employeeLoop runs whole reimbursements until load ends: JSSDK config,
// invoices into the wallet (setup), import, report, submit, then both
// lists. A submitted report goes to the employee's approver. The
// iteration in flight finishes after load ends (ctx still holds it), so
// the run stops without cutting requests off.
func employeeLoop(ctx, load context.Context, p *person, perReport int, page string, approve chan<- string, l *ledger) {
	for n := 0; load.Err() == nil && ctx.Err() == nil; n++ {
		id, refs, err := reimburse(ctx, p, perReport, page, n)
		if err != nil {
			continue // recorded; the next iteration starts afresh
		}
		l.mu.Lock()
		l.submitted[id], l.owner[id] = refs, p
		l.mu.Unlock()
		select {
		case approve <- id:
		case <-ctx.Done():
			return
		}
		_ = p.do(ctx, epListInv, http.MethodGet, "/api/v1/invoices?limit=20", nil, nil)
		_ = p.do(ctx, epListRep, http.MethodGet, "/api/v1/reports?scope=mine&limit=20", nil, nil)
	}
}

// reimburse is one employee's way from the H5 page to a submitted report.
func reimburse(ctx context.Context, p *person, perReport int, page string, n int) (string, []cardRef, error) {
	if err := p.do(ctx, epJSAPI, http.MethodGet, "/api/v1/jsapi/config?url="+url.QueryEscape(page), nil, nil); err != nil {
		return "", nil, err
	}
	refs := make([]cardRef, 0, perReport)
	items := make([]map[string]any, 0, perReport)
	for range perReport {
		var c struct {
			CardID      string `json:"card_id"`
			EncryptCode string `json:"encrypt_code"`
		}
		// The sandbox's defaults: a 106.00 invoice to the demo company,
		// with a random number so no two collide.
		if err := p.do(ctx, epWallet, http.MethodPost, "/sandbox/_control/invoices",
			map[string]any{"owner_openid": p.OpenID, "channel": "oa"}, &c); err != nil {
			return "", nil, err
		}
		refs = append(refs, cardRef{c.CardID, c.EncryptCode})
		items = append(items, map[string]any{"card_id": c.CardID, "encrypt_code": c.EncryptCode})
	}
	var imp struct {
		Imported []struct {
			ID string `json:"id"`
		} `json:"imported"`
		Failed []struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		} `json:"failed"`
	}
	if err := p.do(ctx, epImport, http.MethodPost, "/api/v1/invoices/import", map[string]any{"items": items}, &imp); err != nil {
		return "", nil, err
	}
	if len(imp.Failed) > 0 {
		// A 200 that refused some invoices is still a failure of the flow.
		p.rec.fail(epRefused, "200 "+imp.Failed[0].Error.Code)
		return "", nil, fmt.Errorf("import refused %d invoices", len(imp.Failed))
	}
	ids := make([]string, len(imp.Imported))
	for i, inv := range imp.Imported {
		ids[i] = inv.ID
	}
	var rep struct {
		ID string `json:"id"`
	}
	if err := p.do(ctx, epCreate, http.MethodPost, "/api/v1/reports",
		map[string]any{"title": fmt.Sprintf("压测 %s #%d", p.ID, n), "invoice_ids": ids}, &rep); err != nil {
		return "", nil, err
	}
	if err := p.do(ctx, epSubmit, http.MethodPost, "/api/v1/reports/"+rep.ID+"/submit", nil, nil); err != nil {
		return "", nil, err
	}
	return rep.ID, refs, nil
}

// approverLoop approves what its employees submit until they are done and
// its queue is empty.
func approverLoop(ctx context.Context, p *person, queue <-chan string, l *ledger) {
	for id := range queue {
		if ctx.Err() != nil {
			continue // interrupted: drain so no employee blocks
		}
		if err := p.do(ctx, epApprove, http.MethodPost, "/api/v1/reports/"+id+"/approve",
			map[string]any{"comment": "同意"}, nil); err != nil {
			continue
		}
		l.mu.Lock()
		l.approved = append(l.approved, id)
		l.mu.Unlock()
	}
}
