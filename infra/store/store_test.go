package store_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

var ctx = context.Background()

func TestEmployees(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		testkit.AddEmployee(t, s, "mgr-zhao", "", domain.RoleApprover)
		li := testkit.AddEmployee(t, s, "emp-li", "mgr-zhao")

		got, err := s.Employees.Get(ctx, "emp-li")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Data(), li.Data()) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got.Data(), li.Data())
		}
		byLogin, err := s.Employees.ByLogin(ctx, domain.ChannelOA, "wxsandbox", "o-emp-li")
		if err != nil || byLogin.ID() != "emp-li" {
			t.Fatalf("by login: %v", err)
		}
		// openids are case-sensitive (DECISIONS 17).
		if _, err := s.Employees.ByLogin(ctx, domain.ChannelOA, "wxsandbox", "O-EMP-LI"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("case-insensitive login match: %v", err)
		}
		if _, err := s.Employees.Get(ctx, "nobody"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("missing employee: %v", err)
		}

		dup, _ := domain.NewEmployee(domain.EmployeeData{ID: "emp-li", Name: "again"}, testkit.Now)
		if err := s.Employees.Add(ctx, dup); !errors.Is(err, domain.ErrInvalidInput) {
			t.Fatalf("duplicate id: %v", err)
		}
		thief, _ := domain.NewEmployee(domain.EmployeeData{ID: "emp-x", Name: "x", Identities: []domain.Identity{{Channel: domain.ChannelOA, AppID: "wxsandbox", OpenID: "o-emp-li"}}}, testkit.Now)
		if err := s.Employees.Add(ctx, thief); !errors.Is(err, domain.ErrInvalidInput) {
			t.Fatalf("duplicate identity: %v", err)
		}
		if _, err := s.Employees.Get(ctx, "emp-x"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatal("a refused add left the employee behind")
		}

		updated, err := s.Employees.Update(ctx, "emp-li", func(e *domain.Employee) error {
			e.Deactivate(testkit.Now)
			return e.SetIdentity(domain.Identity{Channel: domain.ChannelWork, AppID: "wwcorp", UserID: "LiLei"}, testkit.Now)
		})
		if err != nil || updated.Active() || updated.Version() != 1 || len(updated.Identities()) != 2 {
			t.Fatalf("update: %v %+v", err, updated)
		}
		if e, err := s.Employees.ByLogin(ctx, domain.ChannelWork, "wwcorp", "LiLei"); err != nil || e.ID() != "emp-li" {
			t.Fatalf("WeCom login: %v", err)
		}
		// WeCom userids ignore case: the same member however spelled, kept
		// as WeChat spelled it, and no second employee may claim it.
		if e, err := s.Employees.ByLogin(ctx, domain.ChannelWork, "wwcorp", "lilei"); err != nil || e.ID() != "emp-li" {
			t.Fatalf("WeCom login in lower case: %v", err)
		}
		if id, _ := updated.Identity(domain.ChannelWork, "wwcorp"); id.UserID != "LiLei" {
			t.Fatalf("userid kept as %q", id.UserID)
		}
		twin, _ := domain.NewEmployee(domain.EmployeeData{ID: "emp-y", Name: "y", Identities: []domain.Identity{{Channel: domain.ChannelWork, AppID: "wwcorp", UserID: "LILEI"}}}, testkit.Now)
		if err := s.Employees.Add(ctx, twin); !errors.Is(err, domain.ErrInvalidInput) {
			t.Fatalf("same WeCom userid in other case: %v", err)
		}

		boom := errors.New("boom")
		if _, err := s.Employees.Update(ctx, "emp-li", func(e *domain.Employee) error {
			e.Activate(testkit.Now)
			return boom
		}); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if e, _ := s.Employees.Get(ctx, "emp-li"); e.Active() || e.Version() != 1 {
			t.Fatal("a failed update was saved")
		}

		list, err := s.Employees.List(ctx, "", 10)
		if err != nil || len(list) != 2 || list[0].ID() != "emp-li" {
			t.Fatalf("list: %v %d", err, len(list))
		}
		if list, _ := s.Employees.List(ctx, "emp-li", 10); len(list) != 1 || list[0].ID() != "mgr-zhao" {
			t.Fatal("list after cursor")
		}
	})
}

func TestInvoicesRoundTrip(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		li := testkit.AddEmployee(t, s, "emp-li", "")
		inv := testkit.AddInvoice(t, s, li, 1)

		got, err := s.Invoices.Get(ctx, inv.ID())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Data(), inv.Data()) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got.Data(), inv.Data())
		}
		if got.Facts().Lines[1].Amount.String() != "-10.00" || got.Amount().String() != "106.00" {
			t.Fatal("money changed in storage")
		}

		f := inv.Facts()
		if byWallet, err := s.Invoices.ByWalletID(ctx, f.Channel, f.CardID, f.EncryptCode); err != nil || byWallet.ID() != inv.ID() {
			t.Fatalf("by wallet id: %v", err)
		}
		if byBiz, err := s.Invoices.ByBusinessID(ctx, f.ID); err != nil || byBiz.ID() != inv.ID() {
			t.Fatalf("by business id: %v", err)
		}
		// encrypt_code is case-sensitive: another case is another card.
		if _, err := s.Invoices.ByWalletID(ctx, f.Channel, f.CardID, swapCase(f.EncryptCode)); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("case-insensitive encrypt_code: %v", err)
		}
		other := testkit.Facts("o-emp-li", 2)
		other.EncryptCode = swapCase(f.EncryptCode)
		inv2, _ := domain.NewInvoice(domain.NewInvoiceID(testkit.Now), li.ID(), other, domain.StatusInit, nil, testkit.Now)
		if err := s.Invoices.Add(ctx, inv2); err != nil {
			t.Fatalf("encrypt codes differing in case collide: %v", err)
		}

		many, err := s.Invoices.GetMany(ctx, []domain.InvoiceID{inv2.ID(), inv.ID()})
		if err != nil || many[0].ID() != inv2.ID() || many[1].ID() != inv.ID() {
			t.Fatalf("get many: %v", err)
		}
		if _, err := s.Invoices.GetMany(ctx, []domain.InvoiceID{inv.ID(), "inv_missing"}); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("get many with a missing id: %v", err)
		}
		page, err := s.Invoices.ListByOwner(ctx, li.ID(), "", "", 1)
		if err != nil || len(page) != 1 {
			t.Fatal(err)
		}
		rest, _ := s.Invoices.ListByOwner(ctx, li.ID(), "", page[0].ID(), 10)
		if len(rest) != 1 || rest[0].ID() == page[0].ID() {
			t.Fatal("paging repeated or lost an invoice")
		}

		updated, err := s.Invoices.Update(ctx, inv.ID(), func(i *domain.Invoice) error {
			if _, err := i.RequestStatus(domain.StatusLock, testkit.Now); err != nil {
				return err
			}
			return i.ApplyStatus(domain.StatusLock, testkit.Now)
		})
		if err != nil || updated.Status() != domain.StatusLock || updated.StatusGeneration() != 1 || updated.Version() != 1 {
			t.Fatalf("update: %v", err)
		}

		if err := s.Invoices.Delete(ctx, inv2.ID()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Invoices.Get(ctx, inv2.ID()); !errors.Is(err, domain.ErrNotFound) {
			t.Fatal("deleted invoice still there")
		}
	})
}

func swapCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 32
		case c >= 'A' && c <= 'Z':
			b[i] = c + 32
		}
	}
	return string(b)
}

func TestInvoiceDuplicates(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		li := testkit.AddEmployee(t, s, "emp-li", "")
		wang := testkit.AddEmployee(t, s, "emp-wang", "")
		first := testkit.AddInvoice(t, s, li, 1)

		samePaper := testkit.Facts("o-emp-wang", 1)
		samePaper.Channel = domain.ChannelWork // another channel, same code+number
		samePaper.EncryptCode = "another/encrypt+code="
		inv, _ := domain.NewInvoice(domain.NewInvoiceID(testkit.Now), wang.ID(), samePaper, domain.StatusInit, nil, testkit.Now)
		err := s.Invoices.Add(ctx, inv)
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.ErrInvoiceDuplicate.Code || de.Details["invoice_id"] != string(first.ID()) || de.Details["owner_id"] != "emp-li" {
			t.Fatalf("same paper: %v %+v", err, de)
		}

		sameCard := testkit.Facts("o-emp-li", 1)
		sameCard.ID.Number = "99999999"
		inv, _ = domain.NewInvoice(domain.NewInvoiceID(testkit.Now), li.ID(), sameCard, domain.StatusInit, nil, testkit.Now)
		if err := s.Invoices.Add(ctx, inv); !errors.Is(err, domain.ErrInvoiceDuplicate) {
			t.Fatalf("same wallet card: %v", err)
		}

		// 数电 invoices have no code: '' is a value, so the index still bites.
		digital := testkit.Facts("o-emp-li", 3)
		digital.ID = domain.BusinessID{Number: "26442000000123456789"}
		a, _ := domain.NewInvoice(domain.NewInvoiceID(testkit.Now), li.ID(), digital, domain.StatusInit, nil, testkit.Now)
		if err := s.Invoices.Add(ctx, a); err != nil {
			t.Fatal(err)
		}
		digital.EncryptCode += "x"
		b, _ := domain.NewInvoice(domain.NewInvoiceID(testkit.Now), wang.ID(), digital, domain.StatusInit, nil, testkit.Now)
		if err := s.Invoices.Add(ctx, b); !errors.Is(err, domain.ErrInvoiceDuplicate) {
			t.Fatalf("digital duplicate: %v", err)
		}
	})
}

// Many employees import the same paper at once: exactly one row survives.
func TestConcurrentImportOneWins(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		const n = 12
		employees := make([]*domain.Employee, n)
		for i := range employees {
			employees[i] = testkit.AddEmployee(t, s, domain.EmployeeID("emp-"+string(rune('a'+i))), "")
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i, e := range employees {
			wg.Go(func() {
				f := testkit.Facts("o-"+string(e.ID()), 7)
				f.EncryptCode += string(rune('a' + i)) // each wallet has its own card
				inv, _ := domain.NewInvoice(domain.NewInvoiceID(testkit.Now), e.ID(), f, domain.StatusInit, nil, testkit.Now)
				errs[i] = s.Invoices.Add(ctx, inv)
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, domain.ErrInvoiceDuplicate):
				t.Errorf("unexpected error: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d imports won, want exactly 1", won)
		}
		var rows int
		if err := db.DB.NewSelect().Table("invoices").ColumnExpr("COUNT(*)").Scan(ctx, &rows); err != nil || rows != 1 {
			t.Fatalf("rows = %d, %v", rows, err)
		}
	})
}
