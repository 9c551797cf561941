package payment

import (
	"context"
	"fmt"

	"github.com/baoxiao/baoxiao/domain"
)

// MaskedAccount is a bank account as every answer but the bank file shows
// it: the number masked (6222 **** **** 1234).
type MaskedAccount struct {
	Bank, Branch, AccountName string
	Masked                    string
}

// accountAAD binds a sealed number to its employee: a sealed value copied
// onto another employee's row does not open.
func accountAAD(id domain.EmployeeID) string { return "employee_bank_accounts:" + string(id) }

// BankAccount is the employee's own account, masked; nil when none is on
// file. Admins may read anyone's.
func (s *Service) BankAccount(ctx context.Context, by, of domain.EmployeeID) (*MaskedAccount, error) {
	if err := s.ownOrAdmin(ctx, by, of); err != nil {
		return nil, err
	}
	m, err := s.d.Accounts.BankAccounts(ctx, []domain.EmployeeID{of})
	if err != nil {
		return nil, err
	}
	a, ok := m[of]
	if !ok {
		return nil, nil
	}
	return &MaskedAccount{Bank: a.Bank, Branch: a.Branch, AccountName: a.AccountName, Masked: a.Mask}, nil
}

// SetBankAccount stores an employee's account, the number sealed; the
// employee themself or an admin (the employee editor).
func (s *Service) SetBankAccount(ctx context.Context, by, of domain.EmployeeID, a domain.BankAccount) (*MaskedAccount, error) {
	if err := s.ownOrAdmin(ctx, by, of); err != nil {
		return nil, err
	}
	if _, err := s.d.Employees.Get(ctx, of); err != nil {
		return nil, err
	}
	a, err := domain.CheckBankAccount(a)
	if err != nil {
		return nil, err
	}
	sealed, err := s.d.Sealer.Seal(a.AccountNumber, accountAAD(of))
	if err != nil {
		return nil, fmt.Errorf("seal bank account of %s: %w", of, err)
	}
	rec := SealedAccount{Bank: a.Bank, Branch: a.Branch, AccountName: a.AccountName, Sealed: sealed, Mask: a.Mask(), UpdatedAt: s.d.Clock.Now()}
	if err := s.d.Accounts.PutBankAccount(ctx, of, rec); err != nil {
		return nil, err
	}
	return &MaskedAccount{Bank: a.Bank, Branch: a.Branch, AccountName: a.AccountName, Masked: rec.Mask}, nil
}

func (s *Service) ownOrAdmin(ctx context.Context, by, of domain.EmployeeID) error {
	e, err := s.actor(ctx, by)
	if err != nil {
		return err
	}
	if by != of && !e.HasRole(domain.RoleAdmin) {
		return domain.ErrForbidden.WithMessage("only the employee or an administrator")
	}
	return nil
}
