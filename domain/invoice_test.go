package domain_test

import (
	"errors"
	"testing"

	"github.com/baoxiao/baoxiao/domain"
)

func TestWeChatStatusMoves(t *testing.T) {
	all := []domain.WeChatStatus{domain.StatusInit, domain.StatusLock, domain.StatusClosure, domain.StatusCancel}
	allowed := map[[2]domain.WeChatStatus]bool{
		{domain.StatusInit, domain.StatusLock}:       true,
		{domain.StatusInit, domain.StatusCancel}:     true,
		{domain.StatusLock, domain.StatusInit}:       true,
		{domain.StatusLock, domain.StatusClosure}:    true,
		{domain.StatusLock, domain.StatusCancel}:     true,
		{domain.StatusInit, domain.StatusInit}:       true, // at-least-once delivery: staying is fine
		{domain.StatusLock, domain.StatusLock}:       true,
		{domain.StatusClosure, domain.StatusClosure}: true,
		{domain.StatusCancel, domain.StatusCancel}:   true,
	}
	for _, from := range all {
		for _, to := range all {
			want := allowed[[2]domain.WeChatStatus{from, to}]
			if got := from.CanMoveTo(to); got != want {
				t.Errorf("%s → %s: %v, want %v", from, to, got, want)
			}
			inv := withStatus(invoice(t, "emp-li", "00000001", 100), from)
			err := inv.ApplyStatus(to, t0)
			if want != (err == nil) {
				t.Errorf("ApplyStatus %s → %s: err = %v", from, to, err)
			}
			if !want && (!errors.Is(err, domain.ErrInvalidWeChatState) || inv.Status() != from) {
				t.Errorf("ApplyStatus %s → %s refused wrongly: %v, now %s", from, to, err, inv.Status())
			}
		}
	}
}

func TestParseWeChatStatus(t *testing.T) {
	for in, want := range map[string]domain.WeChatStatus{
		"INVOICE_REIMBURSE_INIT": domain.StatusInit, "INVOICE_REIMBURSE_LOCK": domain.StatusLock,
		"INVOICE_REIMBURSE_CLOSURE": domain.StatusClosure, "INVOICE_REIMBURSE_CANCEL": domain.StatusCancel,
		"LOCK": domain.StatusLock,
	} {
		got, err := domain.ParseWeChatStatus(in)
		if err != nil || got != want {
			t.Errorf("%s → %s, %v", in, got, err)
		}
		if got.Wire() != "INVOICE_REIMBURSE_"+string(want) {
			t.Errorf("wire %s", got.Wire())
		}
	}
	for _, bad := range []string{"", "INVOICE_REIMBURSE_", "INVOICE_REIMBURSE_DONE", "lock"} {
		if _, err := domain.ParseWeChatStatus(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRequestStatusBumpsGeneration(t *testing.T) {
	inv := invoice(t, "emp-li", "00000001", 100)
	g1, err := inv.RequestStatus(domain.StatusLock, t0)
	if err != nil || g1 != 1 {
		t.Fatalf("g1 = %d, %v", g1, err)
	}
	g2, _ := inv.RequestStatus(domain.StatusInit, t0)
	if g2 != 2 || inv.StatusGeneration() != 2 {
		t.Fatalf("g2 = %d", g2)
	}
	closed := withStatus(inv, domain.StatusClosure)
	if _, err := closed.RequestStatus(domain.StatusInit, t0); !errors.Is(err, domain.ErrAlreadyReimbursed) {
		t.Fatalf("unlocking a CLOSURE: %v", err)
	}
}

func TestClassifyBilling(t *testing.T) {
	const digital = "26442000000123456789"
	for _, tc := range []struct {
		name, no, code string
		want           domain.BusinessID
		review, err    bool
	}{
		{"new reading", "12345678", "044031900111", domain.BusinessID{Code: "044031900111", Number: "12345678"}, false, false},
		{"old reading", "044031900111", "12345678", domain.BusinessID{Code: "044031900111", Number: "12345678"}, false, false},
		{"10-digit code, new", "12345678", "4403190011", domain.BusinessID{Code: "4403190011", Number: "12345678"}, false, false},
		{"10-digit code, old", "4403190011", "12345678", domain.BusinessID{Code: "4403190011", Number: "12345678"}, false, false},
		{"数电 in billing_no", digital, "", domain.BusinessID{Number: digital}, false, false},
		{"数电 in billing_code", "", digital, domain.BusinessID{Number: digital}, false, false},
		{"数电 with a code", digital, "044031900111", domain.BusinessID{Code: "044031900111", Number: digital}, false, false},
		{"both numbers", "12345678", "87654321", domain.BusinessID{Code: "87654321", Number: "12345678"}, true, false},
		{"both codes", "044031900111", "044031900112", domain.BusinessID{Code: "044031900112", Number: "044031900111"}, true, false},
		{"odd length", "123456789", "044031900111", domain.BusinessID{Code: "044031900111", Number: "123456789"}, true, false},
		{"letters", "A2345678", "044031900111", domain.BusinessID{Code: "044031900111", Number: "A2345678"}, true, false},
		{"8-digit number alone", "12345678", "", domain.BusinessID{Number: "12345678"}, true, false},
		{"only an odd code", "", "1234", domain.BusinessID{Number: "1234"}, true, false},
		{"nothing", "", "", domain.BusinessID{}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, review, err := domain.ClassifyBilling(tc.no, tc.code)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v", err)
			}
			if got != tc.want || review != tc.review {
				t.Fatalf("got %+v review=%v, want %+v review=%v", got, review, tc.want, tc.review)
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	paper := domain.BusinessID{Code: "044031900111", Number: "12345678"}
	digital := domain.BusinessID{Number: "26442000000123456789"}
	for _, tc := range []struct {
		raw  string
		id   domain.BusinessID
		want domain.InvoiceKind
	}{
		{"增值税电子普通发票", paper, domain.KindVATENormal},
		{"增值税电子专用发票", paper, domain.KindVATESpecial},
		{"增值税普通发票", paper, domain.KindVATNormal},
		{"增值税专用发票", paper, domain.KindVATSpecial},
		{"电子发票（普通发票）", digital, domain.KindDigitalNormal},
		{"电子发票(增值税专用发票)", digital, domain.KindDigitalSpecial},
		{"数电票（普通发票）", paper, domain.KindDigitalNormal},
		{"全电发票（增值税专用发票）", digital, domain.KindDigitalSpecial},
		{"增值税电子普通发票", digital, domain.KindDigitalNormal},
		{"电子发票（铁路电子客票）", digital, domain.KindOther},
		{"机动车销售统一发票", paper, domain.KindOther},
		{"", paper, domain.KindOther},
	} {
		if got := domain.KindOf(tc.raw, tc.id); got != tc.want {
			t.Errorf("KindOf(%q, %v) = %s, want %s", tc.raw, tc.id, got, tc.want)
		}
	}
}

func TestNewInvoice(t *testing.T) {
	facts := domain.InvoiceFacts{
		Channel: domain.ChannelWork, CardID: "pCard", EncryptCode: "Ab+c/d==", OwnerOpenID: "oOWNER",
		ID:     domain.BusinessID{Code: "044031900111", Number: "12345678"},
		Buyer:  domain.Party{Name: "演示科技有限公司 ", TaxNumber: "91440300MA5XXXXXX1"},
		Amount: domain.MoneyFromCents(10600), AmountWithoutTax: domain.MoneyFromCents(10000), Tax: domain.MoneyFromCents(600),
	}
	buyers := []domain.Party{{Name: "演示科技有限公司", TaxNumber: "91440300ma5xxxxxx1"}}
	inv, err := domain.NewInvoice("inv_1", "emp-wang", facts, domain.StatusInit, buyers, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !inv.AmountsConsistent() || !inv.TitleMatchesCompany() || inv.Channel() != domain.ChannelWork {
		t.Fatalf("consistent=%v title=%v", inv.AmountsConsistent(), inv.TitleMatchesCompany())
	}

	mismatch := facts
	mismatch.Tax = domain.MoneyFromCents(599)
	mismatch.Buyer.TaxNumber = "91440300MA5YYYYYY2"
	inv, err = domain.NewInvoice("inv_2", "emp-wang", mismatch, domain.StatusInit, buyers, t0)
	if err != nil || inv.AmountsConsistent() || inv.TitleMatchesCompany() {
		t.Fatalf("mismatch recorded wrongly: %v", err)
	}
	if inv.Amount().String() != "106.00" {
		t.Fatal("amount was changed")
	}

	for _, tc := range []struct {
		name   string
		edit   func(*domain.InvoiceFacts)
		status domain.WeChatStatus
		want   error
	}{
		{"no card", func(f *domain.InvoiceFacts) { f.CardID = "" }, domain.StatusInit, domain.ErrInvalidInput},
		{"no encrypt code", func(f *domain.InvoiceFacts) { f.EncryptCode = "" }, domain.StatusInit, domain.ErrInvalidInput},
		{"no openid", func(f *domain.InvoiceFacts) { f.OwnerOpenID = "" }, domain.StatusInit, domain.ErrInvalidInput},
		{"no number", func(f *domain.InvoiceFacts) { f.ID.Number = "" }, domain.StatusInit, domain.ErrInvalidInput},
		{"bad channel", func(f *domain.InvoiceFacts) { f.Channel = "sms" }, domain.StatusInit, domain.ErrInvalidInput},
		{"reimbursed", func(*domain.InvoiceFacts) {}, domain.StatusClosure, domain.ErrAlreadyReimbursed},
		{"cancelled", func(*domain.InvoiceFacts) {}, domain.StatusCancel, domain.ErrInvoiceCancelled},
	} {
		f := facts
		tc.edit(&f)
		if _, err := domain.NewInvoice("inv_3", "emp-wang", f, tc.status, buyers, t0); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestTitleMatches(t *testing.T) {
	buyers := []domain.Party{{Name: "演示科技有限公司", TaxNumber: "91440300MA5XXXXXX1"}, {Name: "演示（上海）分公司"}}
	for _, tc := range []struct {
		buyer domain.Party
		want  bool
	}{
		{domain.Party{Name: "演示科技有限公司", TaxNumber: "91440300MA5XXXXXX1"}, true},
		{domain.Party{Name: "演示科技有限公司"}, true},
		{domain.Party{Name: "演示科技有限公司", TaxNumber: "OTHER"}, false},
		{domain.Party{Name: "演示(上海)分公司", TaxNumber: "X"}, true},
		{domain.Party{Name: "别的公司"}, false},
		{domain.Party{}, false},
	} {
		if got := domain.TitleMatches(tc.buyer, buyers); got != tc.want {
			t.Errorf("%+v: %v", tc.buyer, got)
		}
	}
}
