package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app/payment"
	"github.com/baoxiao/baoxiao/domain"
)

// Payments stores expense types, employees' bank accounts and payments
// (migration 0017).
type Payments struct{ db bun.IDB }

// NewPayments returns the payment repositories on db.
func NewPayments(db bun.IDB) *Payments { return &Payments{db: db} }

var (
	_ payment.ExpenseTypeStore = (*Payments)(nil)
	_ payment.AccountStore     = (*Payments)(nil)
	_ payment.Store            = (*Payments)(nil)
	_ payment.TxRunner         = (*Payments)(nil)
)

type expenseTypeRow struct {
	bun.BaseModel `bun:"table:expense_types"`

	Code     string `bun:",pk"`
	Name     string
	Active   bool
	Position int
}

// ExpenseTypes lists every type in the admin's order.
func (s *Payments) ExpenseTypes(ctx context.Context) ([]domain.ExpenseType, error) {
	var rows []expenseTypeRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("position, code").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list expense types: %w", err)
	}
	out := make([]domain.ExpenseType, len(rows))
	for i, r := range rows {
		out[i] = domain.ExpenseType{Code: r.Code, Name: r.Name, Active: r.Active}
	}
	return out, nil
}

// ReplaceExpenseTypes writes the list in its order; stored codes missing
// from it are deactivated and sorted after it.
func (s *Payments) ReplaceExpenseTypes(ctx context.Context, list []domain.ExpenseType) error {
	return runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		// Retired codes sort after the list, in their old order.
		if _, err := tx.NewUpdate().Model((*expenseTypeRow)(nil)).Set("active = ?", false).
			Set("position = ? + position % ?", 10000, 10000).Where("1 = 1").Exec(ctx); err != nil {
			return fmt.Errorf("retire expense types: %w", err)
		}
		for i, t := range list {
			row := expenseTypeRow{Code: t.Code, Name: t.Name, Active: t.Active, Position: i + 1}
			if err := replaceRow(ctx, tx, &row); err != nil {
				return fmt.Errorf("store expense type %s: %w", t.Code, err)
			}
		}
		return nil
	})
}

type bankAccountRow struct {
	bun.BaseModel `bun:"table:employee_bank_accounts"`

	EmployeeID    string `bun:",pk"`
	Bank          string
	Branch        string
	AccountName   string
	AccountSealed string
	AccountMask   string
	UpdatedAt     time.Time
}

// BankAccounts returns the accounts of those of ids that have one.
func (s *Payments) BankAccounts(ctx context.Context, ids []domain.EmployeeID) (map[domain.EmployeeID]payment.SealedAccount, error) {
	out := map[domain.EmployeeID]payment.SealedAccount{}
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = string(id)
	}
	var rows []bankAccountRow
	if err := s.db.NewSelect().Model(&rows).Where("employee_id IN (?)", bun.In(keys)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load bank accounts: %w", err)
	}
	for _, r := range rows {
		out[domain.EmployeeID(r.EmployeeID)] = payment.SealedAccount{
			Bank: r.Bank, Branch: r.Branch, AccountName: r.AccountName,
			Sealed: r.AccountSealed, Mask: r.AccountMask, UpdatedAt: utc(r.UpdatedAt),
		}
	}
	return out, nil
}

// PutBankAccount stores or replaces an employee's account.
func (s *Payments) PutBankAccount(ctx context.Context, id domain.EmployeeID, a payment.SealedAccount) error {
	row := bankAccountRow{
		EmployeeID: string(id), Bank: a.Bank, Branch: a.Branch, AccountName: a.AccountName,
		AccountSealed: a.Sealed, AccountMask: a.Mask, UpdatedAt: utc(a.UpdatedAt),
	}
	return runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		if err := replaceRow(ctx, tx, &row); err != nil {
			return fmt.Errorf("store bank account of %s: %w", id, err)
		}
		return nil
	})
}

// replaceRow writes row over the one with its primary key, if any: a
// delete and an insert, portable across both dialects' upserts.
func replaceRow(ctx context.Context, tx bun.Tx, row any) error {
	if _, err := tx.NewDelete().Model(row).WherePK().Exec(ctx); err != nil {
		return err
	}
	_, err := tx.NewInsert().Model(row).Exec(ctx)
	return err
}

type paymentRow struct {
	bun.BaseModel `bun:"table:payments"`

	ID           string `bun:",pk"`
	PaidOn       string
	Method       string
	Reference    string
	PayerAccount string
	TotalCents   int64
	ReportCount  int
	CreatedBy    string
	CreatedAt    time.Time
}

type paymentReportRow struct {
	bun.BaseModel `bun:"table:payment_reports"`

	ReportID      string `bun:",pk"`
	PaymentID     string
	Position      int
	EmployeeID    string
	AmountCents   int64
	PayeeName     string
	Bank          string
	Branch        string
	AccountSealed string
	AccountMask   string
}

// AddPayment stores a payment and its reports. A report another payment
// holds is domain.ErrNotPayable (the key on report_id).
func (s *Payments) AddPayment(ctx context.Context, p domain.Payment, lines []payment.Line) error {
	row := paymentRow{
		ID: string(p.ID), PaidOn: p.PaidOn, Method: string(p.Method), Reference: p.Reference,
		PayerAccount: p.PayerAccount, TotalCents: p.Total.Cents(), ReportCount: len(lines),
		CreatedBy: string(p.CreatedBy), CreatedAt: utc(p.CreatedAt),
	}
	if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("add payment %s: %w", p.ID, err)
	}
	rows := make([]paymentReportRow, len(lines))
	for i, l := range lines {
		rows[i] = paymentReportRow{
			ReportID: string(l.ReportID), PaymentID: string(p.ID), Position: i, EmployeeID: string(l.EmployeeID),
			AmountCents: l.Amount.Cents(), PayeeName: l.PayeeName, Bank: l.Bank, Branch: l.Branch,
			AccountSealed: l.Sealed, AccountMask: l.Mask,
		}
	}
	if _, err := s.db.NewInsert().Model(&rows).Exec(ctx); err != nil {
		if _, dup := uniqueViolation(err); dup {
			return fmt.Errorf("add payment %s: %w: %w", p.ID, domain.ErrNotPayable.WithMessage("a report of this payment was paid meanwhile; nothing was paid"), err)
		}
		return fmt.Errorf("add reports of payment %s: %w", p.ID, err)
	}
	return nil
}

// Payment loads a payment and its reports, in the order paid.
func (s *Payments) Payment(ctx context.Context, id domain.PaymentID) (domain.Payment, []payment.Line, error) {
	var row paymentRow
	if err := s.db.NewSelect().Model(&row).Where("id = ?", string(id)).Scan(ctx); err != nil {
		return domain.Payment{}, nil, notFound(err, "payment "+string(id))
	}
	var rows []paymentReportRow
	if err := s.db.NewSelect().Model(&rows).Where("payment_id = ?", row.ID).OrderExpr("position").Scan(ctx); err != nil {
		return domain.Payment{}, nil, fmt.Errorf("load reports of payment %s: %w", id, err)
	}
	p := domain.Payment{
		ID: domain.PaymentID(row.ID), PaidOn: row.PaidOn, Method: domain.PaymentMethod(row.Method),
		Reference: row.Reference, PayerAccount: row.PayerAccount, Total: domain.MoneyFromCents(row.TotalCents),
		CreatedBy: domain.EmployeeID(row.CreatedBy), CreatedAt: utc(row.CreatedAt),
	}
	lines := make([]payment.Line, len(rows))
	for i, r := range rows {
		p.ReportIDs = append(p.ReportIDs, domain.ReportID(r.ReportID))
		lines[i] = payment.Line{
			ReportID: domain.ReportID(r.ReportID), EmployeeID: domain.EmployeeID(r.EmployeeID),
			Amount: domain.MoneyFromCents(r.AmountCents), PayeeName: r.PayeeName, Bank: r.Bank, Branch: r.Branch,
			Sealed: r.AccountSealed, Mask: r.AccountMask,
		}
	}
	return p, lines, nil
}

// InPaymentTx runs fn with the reports, payments, webhook and notice queues bound
// to one transaction.
func (s *Payments) InPaymentTx(ctx context.Context, fn func(ctx context.Context, r payment.Repos) error) error {
	return runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		return fn(ctx, payment.Repos{Reports: &Reports{db: tx}, Payments: NewPayments(tx), Webhooks: NewWebhooks(tx), Notices: NewNotices(tx)})
	})
}
