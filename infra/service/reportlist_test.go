package service_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// A list builds its page in a few reads; every item must still be what
// GET /api/v1/reports/{id} answers: invoices, people, history and sync.
func TestReportListItemsMatchGet(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li, mgr := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao")
		invs := importN(t, a, li, 5)
		approved := createReport(t, li, invs[:2])
		act(t, li, approved, "submit", nil, http.StatusOK)
		act(t, mgr, approved, "approve", nil, http.StatusOK) // sync pending: no worker
		submitted := createReport(t, li, invs[2:3])
		act(t, li, submitted, "submit", nil, http.StatusOK)
		createReport(t, li, invs[3:])
		createReport(t, li, nil)

		for _, tc := range []struct {
			c     *testkit.Client
			query string
			want  int
		}{
			{li, "scope=mine", 4},
			{mgr, "scope=to_approve", 1},
			// Since chains, to_approve is only what waits for me now; what I
			// approved is under decided (我已审批).
			{mgr, "scope=to_approve&status=approved,submitted", 1},
			{mgr, "scope=decided", 1},
		} {
			res := tc.c.Do(http.MethodGet, "/api/v1/reports?"+tc.query, nil)
			items, _ := res.JSON["items"].([]any)
			if res.Status != http.StatusOK || len(items) != tc.want {
				t.Fatalf("%s: %d, %d items, want %d: %s", tc.query, res.Status, len(items), tc.want, res.Body)
			}
			for _, it := range items {
				item := it.(map[string]any)
				one := tc.c.Do(http.MethodGet, "/api/v1/reports/"+item["id"].(string), nil)
				if !reflect.DeepEqual(item, one.JSON) {
					t.Fatalf("%s: listed\n%v\nalone\n%v", tc.query, item, one.JSON)
				}
			}
		}
	})
}
