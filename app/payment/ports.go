// Package payment is issue 17's expense details and payment: the expense
// types admins keep, employees' bank accounts (sealed at rest), and the
// cashier's payments of approved reports (approved → paid) with the bank
// batch file. Payment never touches WeChat (DECISIONS 32).
package payment

import (
	"context"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// ExpenseTypeStore keeps the company's expense types, in the admin's order.
type ExpenseTypeStore interface {
	ExpenseTypes(ctx context.Context) ([]domain.ExpenseType, error)
	// ReplaceExpenseTypes stores the whole list; a code missing from it is
	// kept, deactivated (reports name it).
	ReplaceExpenseTypes(ctx context.Context, list []domain.ExpenseType) error
}

// SealedAccount is a bank account as stored: the number sealed, its mask
// in clear.
type SealedAccount struct {
	Bank, Branch, AccountName string
	Sealed                    string
	Mask                      string
	UpdatedAt                 time.Time
}

// AccountStore keeps employees' bank accounts.
type AccountStore interface {
	// BankAccounts returns the accounts of those employees that have one.
	BankAccounts(ctx context.Context, ids []domain.EmployeeID) (map[domain.EmployeeID]SealedAccount, error)
	PutBankAccount(ctx context.Context, id domain.EmployeeID, a SealedAccount) error
}

// Line is one report of a payment, with the payee as it was when paid.
type Line struct {
	ReportID   domain.ReportID
	EmployeeID domain.EmployeeID
	Amount     domain.Money
	PayeeName  string // the account's 户名, else the employee's name
	Bank       string
	Branch     string
	Sealed     string // the sealed account number; "" when paid without one
	Mask       string
}

// Store keeps payments. AddPayment refuses (domain.ErrNotPayable) a report
// some payment already holds.
type Store interface {
	AddPayment(ctx context.Context, p domain.Payment, lines []Line) error
	Payment(ctx context.Context, id domain.PaymentID) (domain.Payment, []Line, error)
}

// Repos are the repositories one payment's transaction needs.
type Repos struct {
	Reports  app.ReportStore
	Payments Store
	Webhooks app.WebhookQueue // may be nil
	Notices  app.NoticeQueue  // may be nil
}

// TxRunner runs fn in one transaction: all of a payment or none of it.
type TxRunner interface {
	InPaymentTx(ctx context.Context, fn func(ctx context.Context, r Repos) error) error
}
