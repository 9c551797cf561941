package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/baoxiao/baoxiao/infra/testkit/cluster"
)

// checkFault reads every report from baoxiao and every invoice from WeChat.
func checkFault(ctx context.Context, c *cluster.Cluster, reports []*report, res *faultResult) error {
	for _, r := range reports {
		var got struct {
			Status string `json:"status"`
			Sync   struct {
				State string `json:"state"`
			} `json:"sync"`
		}
		if err := r.owner.do(ctx, "read report", http.MethodGet, "/api/v1/reports/"+r.id, nil, &got); err != nil {
			return err
		}
		r.status, r.sync = got.Status, got.Sync.State
		want := "INVOICE_REIMBURSE_INIT"
		switch r.status {
		case "approved":
			res.approved++
			want = "INVOICE_REIMBURSE_CLOSURE"
		case "withdrawn":
			res.withdrawn++
		default:
			return fmt.Errorf("report %s ended %s", r.id, r.status)
		}
		for _, it := range r.invoices {
			var st struct {
				ReimburseStatus string `json:"reimburse_status"`
			}
			if err := cluster.GetJSON(ctx, invoiceURL(c.SandboxURL, it), &st); err != nil {
				return err
			}
			switch {
			case st.ReimburseStatus == want && want == "INVOICE_REIMBURSE_CLOSURE":
				res.closure++
			case st.ReimburseStatus == want:
				res.init++
			case st.ReimburseStatus == "INVOICE_REIMBURSE_LOCK":
				res.lost++
			default:
				res.wrong++
			}
		}
	}
	failed, err := c.DB().NewSelect().Table("outbox").Where("state = ?", "failed").Count(ctx)
	if err != nil {
		return err
	}
	res.outboxFailed = int(failed)
	return countCalls(ctx, c, res)
}

func countCalls(ctx context.Context, c *cluster.Cluster, res *faultResult) error {
	var calls struct {
		Items []struct {
			Path  string `json:"path"`
			Fault string `json:"fault"`
		} `json:"items"`
	}
	if err := cluster.GetJSON(ctx, c.SandboxURL+"/_control/calls", &calls); err != nil {
		return err
	}
	for _, call := range calls.Items {
		res.calls++
		if call.Fault != "" {
			res.faulted++
		}
		if call.Path == "/cgi-bin/stable_token" {
			res.tokenFetches++
		}
	}
	return nil
}

// verdict fails the run when anything was lost or misdelivered.
func (res *faultResult) verdict() error {
	var errs []error
	if res.lost > 0 {
		errs = append(errs, fmt.Errorf("%d invoices still LOCK in WeChat", res.lost))
	}
	if res.wrong > 0 {
		errs = append(errs, fmt.Errorf("%d invoices in a wrong state", res.wrong))
	}
	if res.outboxFailed > 0 {
		errs = append(errs, fmt.Errorf("%d outbox rows failed", res.outboxFailed))
	}
	if res.faulted == 0 {
		errs = append(errs, errors.New("no WeChat call was faulted: the run proved nothing"))
	}
	return errors.Join(errs...)
}
