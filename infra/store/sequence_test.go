package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// The first reports of a year, filed at once, start that year's counter
// together. UPDATE-then-INSERT deadlocked on InnoDB here (found by the
// fault bench); every one must get its own number.
func TestReportNumbersStartUnderRace(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		testkit.AddEmployee(t, s, "mgr-zhao", "", domain.RoleApprover)
		li := testkit.AddEmployee(t, s, "emp-li", "mgr-zhao")
		const n = 16
		numbers := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				r, err := s.Reports.Create(context.Background(), testkit.Now.Year(), func(number string) (*domain.Report, error) {
					return domain.NewReport(domain.NewReportID(testkit.Now), number, "差旅报销", li, nil, testkit.Now)
				})
				errs[i] = err
				if err == nil {
					numbers[i] = r.Number()
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(numbers)
		if got := slices.Compact(slices.Clone(numbers)); len(got) != n || numbers[0] != "BX-2026-000001" || numbers[n-1] != "BX-2026-000016" {
			t.Fatalf("numbers %v", numbers)
		}
	})
}
