package payment

import (
	"context"
	"errors"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Deps are what the service is built from.
type Deps struct {
	Tx        TxRunner
	Types     ExpenseTypeStore
	Accounts  AccountStore
	Payments  Store
	Employees app.EmployeeDirectory
	Reports   app.ReportReader
	Sealer    app.Sealer
	Clock     app.Clock
	// FinanceMayPay lets the finance role record payments besides
	// cashiers (DECISIONS 36; config payment.finance_may_pay).
	FinanceMayPay bool
	// Payer names the company account paid from, for the bank file.
	Payer Payer
	// Formats write bank files (infra/export).
	Formats []TableFormat
}

// Payer is the company's paying account as the bank file names it.
type Payer struct {
	Bank        string // 付款账号开户行
	AccountName string // 付款账号名称
}

// Service runs expense types, bank accounts and payments.
type Service struct {
	d Deps
	// checked runs between a payment's checks and its transaction; tests
	// use it to force two payments to interleave.
	checked func(ctx context.Context)
}

// New returns the service.
func New(d Deps) *Service {
	if d.Clock == nil {
		d.Clock = app.SystemClock{}
	}
	return &Service{d: d}
}

// OnChecked sets a hook run after a payment's checks, before its
// transaction (tests force interleavings with it).
func (s *Service) OnChecked(fn func(ctx context.Context)) { s.checked = fn }

func (s *Service) actor(ctx context.Context, id domain.EmployeeID) (*domain.Employee, error) {
	e, err := s.d.Employees.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) || err == nil && !e.Active() {
		return nil, domain.ErrAuthRequired
	}
	return e, err
}

func (s *Service) require(ctx context.Context, by domain.EmployeeID, role domain.Role) error {
	e, err := s.actor(ctx, by)
	if err != nil {
		return err
	}
	if !e.HasRole(role) {
		return domain.ErrForbidden.WithMessage(string(role) + " only")
	}
	return nil
}

// mayPay: cashiers, and finance unless configured otherwise (DECISIONS 36).
func (s *Service) mayPay(ctx context.Context, by domain.EmployeeID) (*domain.Employee, error) {
	e, err := s.actor(ctx, by)
	if err != nil {
		return nil, err
	}
	if !e.HasRole(domain.RoleCashier) && !(s.d.FinanceMayPay && e.HasRole(domain.RoleFinance)) {
		return nil, domain.ErrForbidden.WithMessage("cashiers only record payments")
	}
	return e, nil
}
