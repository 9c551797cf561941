package service_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// A change WeChat can never accept fails for good, shows on the report and
// in the admin outbox, and an admin can put it back in the queue.
func TestAdminSeesAndRetriesFailedChanges(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li, mgr, admin := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao"), a.Login(t, "admin")
		invs := importN(t, a, li, 1)
		report := createReport(t, li, invs)
		act(t, li, report, "submit", nil, http.StatusOK)
		act(t, mgr, report, "reject", map[string]any{"reason": "请重开发票"}, http.StatusOK)
		// Meanwhile someone reimbursed it elsewhere: INIT can never happen.
		a.Sandbox(t, http.MethodPost, "/_control/invoice", map[string]any{
			"card_id": invs[0]["card_id"], "encrypt_code": invs[0]["encrypt_code"], "reimburse_status": "INVOICE_REIMBURSE_CLOSURE",
		})
		a.RunOutbox(t)

		got := li.Do(http.MethodGet, "/api/v1/reports/"+report["id"].(string), nil).JSON
		if sync := got["sync"].(map[string]any); sync["state"] != "failed" || sync["failed"] != float64(1) {
			t.Fatalf("sync %v", sync)
		}
		if res := li.Do(http.MethodGet, "/api/v1/admin/outbox?state=failed", nil); res.Status != http.StatusForbidden {
			t.Fatalf("employee sees the outbox: %d", res.Status)
		}
		list := admin.Do(http.MethodGet, "/api/v1/admin/outbox?state=failed", nil)
		items, _ := list.JSON["items"].([]any)
		if list.Status != http.StatusOK || len(items) != 1 {
			t.Fatalf("failed rows: %d %s", list.Status, list.Body)
		}
		row := items[0].(map[string]any)
		if row["target_status"] != "INIT" || row["last_error"] == "" || row["invoice_id"] != invs[0]["id"] {
			t.Fatalf("row %v", row)
		}
		id := fmt.Sprint(int64(row["id"].(float64)))
		if res := admin.Do(http.MethodPost, "/api/v1/admin/outbox/"+id+"/retry", nil); res.Status != http.StatusNoContent {
			t.Fatalf("retry: %d %s", res.Status, res.Body)
		}
		if a.Pending(t) != 1 {
			t.Fatal("the retried row is not pending")
		}
		if res := admin.Do(http.MethodPost, "/api/v1/admin/outbox/"+id+"/retry", nil); res.Status != http.StatusNotFound {
			t.Fatalf("retrying a pending row: %d", res.Status)
		}
		if res := admin.Do(http.MethodGet, "/api/v1/admin/outbox?state=bogus", nil); res.Status != http.StatusBadRequest {
			t.Fatalf("bad state: %d", res.Status)
		}
	})
}

// Ten employees import the same paper at the same moment, each from their
// own wallet: exactly one gets it; the others are told who has it.
func TestConcurrentImportOfOnePaper(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		const n = 10
		clients := make([]*testkit.Client, n)
		cards := make([]map[string]any, n)
		for i := range n {
			user := a.Sandbox(t, http.MethodPost, "/_control/users", map[string]any{"channel": "oa", "name": fmt.Sprintf("员工%d", i)})
			openid := user.JSON["openid"].(string)
			if _, err := a.Svc.Directory.Ensure(context.Background(), domain.EmployeeData{
				ID: domain.EmployeeID(fmt.Sprintf("emp-race-%d", i)), Name: fmt.Sprintf("员工%d", i), ManagerID: "mgr-zhao",
				Identities: []domain.Identity{{Channel: domain.ChannelOA, AppID: a.Cfg.WeChat.OA.AppID, OpenID: openid}},
			}); err != nil {
				t.Fatal(err)
			}
			res := a.Sandbox(t, http.MethodPost, "/_control/invoices", map[string]any{
				"owner_openid": openid, "channel": "oa", "type": "增值税电子普通发票", "payee": "同一张发票",
				"fee": 5085, "fee_without_tax": 4797, "tax": 288, "billing_time": 1760000000,
				"billing_no": "55555555", "billing_code": "044035550001",
			})
			cards[i] = map[string]any{"card_id": res.JSON["card_id"], "encrypt_code": res.JSON["encrypt_code"]}
			clients[i] = a.Login(t, fmt.Sprintf("emp-race-%d", i))
		}
		results := make([]testkit.Response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				results[i] = clients[i].Do(http.MethodPost, "/api/v1/invoices/import", map[string]any{"items": []any{cards[i]}})
			})
		}
		wg.Wait()
		won, dup := 0, 0
		for _, r := range results {
			if r.Status != http.StatusOK {
				t.Fatalf("import: %d %s", r.Status, r.Body)
			}
			won += len(r.JSON["imported"].([]any))
			for _, f := range r.JSON["failed"].([]any) {
				if f.(map[string]any)["error"].(map[string]any)["code"] == "invoice.duplicate" {
					dup++
				}
			}
		}
		if won != 1 || dup != n-1 {
			t.Fatalf("%d imported, %d duplicates", won, dup)
		}
	})
}
