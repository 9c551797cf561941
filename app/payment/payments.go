package payment

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/notify"
	"github.com/baoxiao/baoxiao/domain"
)

// PayRequest is what a cashier records (shared/API.md POST /api/v1/payments).
type PayRequest struct {
	ReportIDs    []domain.ReportID
	PaidOn       string
	Method       string
	Reference    string
	PayerAccount string
}

// Paid is a payment with its lines.
type Paid struct {
	Payment domain.Payment
	Lines   []Line
}

// Pay records one payment of approved reports: each moves approved →
// paid, a report.paid event is queued for each, all in one transaction.
// Any report that cannot be paid (unknown, not approved, paid already, or
// for a bank transfer a payee with no account) refuses the whole payment
// and nothing changes. Two cashiers paying one report at once: the
// report's version check and payment_reports' key on report_id let one
// through.
func (s *Service) Pay(ctx context.Context, by domain.EmployeeID, req PayRequest) (*Paid, error) {
	actor, err := s.mayPay(ctx, by)
	if err != nil {
		return nil, err
	}
	method, err := domain.ParsePaymentMethod(strings.TrimSpace(req.Method))
	if err != nil {
		return nil, err
	}
	now := s.d.Clock.Now()
	p, err := domain.CheckPayment(domain.Payment{
		ID: domain.NewPaymentID(now), PaidOn: req.PaidOn, Method: method, Reference: req.Reference,
		PayerAccount: req.PayerAccount, ReportIDs: req.ReportIDs, CreatedBy: actor.ID(), CreatedAt: now,
	})
	if err != nil {
		return nil, err
	}
	// Every refusal at once, before the transaction: the cashier fixes the
	// selection in one go. The transaction checks again.
	reports := make([]*domain.Report, len(p.ReportIDs))
	var refused []map[string]any
	for i, id := range p.ReportIDs {
		r, err := s.d.Reports.Get(ctx, id)
		if errors.Is(err, domain.ErrNotFound) {
			refused = append(refused, map[string]any{"id": string(id), "status": nil})
			continue
		}
		if err != nil {
			return nil, err
		}
		if r.Status() != domain.ReportApproved {
			refused = append(refused, map[string]any{"id": string(id), "status": string(r.Status())})
		}
		reports[i] = r
	}
	if len(refused) > 0 {
		return nil, domain.ErrNotPayable.With(map[string]any{"reports": refused})
	}
	lines, err := s.payees(ctx, p.Method, reports)
	if err != nil {
		return nil, err
	}
	if s.checked != nil {
		s.checked(ctx)
	}
	// Reports are locked in id order, whatever the request's order: two
	// payments crossing over the same reports queue up instead of
	// deadlocking on MariaDB.
	order := make([]int, len(p.ReportIDs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(string(p.ReportIDs[a]), string(p.ReportIDs[b])) })
	err = s.d.Tx.InPaymentTx(ctx, func(ctx context.Context, tx Repos) error {
		total := domain.Zero
		for _, i := range order {
			id := p.ReportIDs[i]
			r, err := tx.Reports.Update(ctx, id, func(r *domain.Report) error {
				return r.Pay(actor.ID(), domain.ReportPayment{ID: p.ID, PaidOn: p.PaidOn, Method: p.Method, Reference: p.Reference}, now)
			})
			if err != nil {
				return err
			}
			// The amount paid is the total as approved, read in the
			// transaction.
			lines[i].Amount = r.Total()
			total = total.Add(r.Total())
			if tx.Webhooks != nil {
				ev := app.ReportEvent(r, now)
				ev.Data["payment"] = map[string]any{
					"id": string(p.ID), "paid_on": p.PaidOn, "method": string(p.Method), "reference": p.Reference,
				}
				if err := tx.Webhooks.Publish(ctx, ev); err != nil {
					return err
				}
			}
			// The owner is told, with the payment (DECISIONS 39: WeChat is
			// not touched; the invoices stay CLOSURE).
			if err := notify.Paid(ctx, app.Repos{Notices: tx.Notices}, r, r.Version(), now); err != nil {
				return err
			}
		}
		p.Total = total
		return tx.Payments.AddPayment(ctx, p, lines)
	})
	if err != nil {
		return nil, err
	}
	return &Paid{Payment: p, Lines: lines}, nil
}

// payees snapshots who is paid where. A bank transfer needs every payee's
// account; other methods take it when there is one.
func (s *Service) payees(ctx context.Context, method domain.PaymentMethod, reports []*domain.Report) ([]Line, error) {
	var owners []domain.EmployeeID
	for _, r := range reports {
		owners = append(owners, r.EmployeeID())
	}
	accounts, err := s.d.Accounts.BankAccounts(ctx, owners)
	if err != nil {
		return nil, err
	}
	lines := make([]Line, len(reports))
	var missing []string
	for i, r := range reports {
		l := Line{ReportID: r.ID(), EmployeeID: r.EmployeeID(), Amount: r.Total()}
		if a, ok := accounts[r.EmployeeID()]; ok {
			l.PayeeName, l.Bank, l.Branch, l.Sealed, l.Mask = a.AccountName, a.Bank, a.Branch, a.Sealed, a.Mask
		} else if method == domain.PayBankTransfer {
			missing = append(missing, string(r.EmployeeID()))
		}
		if l.PayeeName == "" {
			if e, err := s.d.Employees.Get(ctx, r.EmployeeID()); err == nil {
				l.PayeeName = e.Name()
			}
		}
		lines[i] = l
	}
	if len(missing) > 0 {
		return nil, domain.ErrNoBankAccount.With(map[string]any{"employee_ids": missing})
	}
	return lines, nil
}

// Payment shows a recorded payment to cashiers and finance.
func (s *Service) Payment(ctx context.Context, by domain.EmployeeID, id domain.PaymentID) (*Paid, error) {
	if err := s.mayRead(ctx, by); err != nil {
		return nil, err
	}
	p, lines, err := s.d.Payments.Payment(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Paid{Payment: p, Lines: lines}, nil
}

// mayRead: cashiers and finance see payments and their bank files.
func (s *Service) mayRead(ctx context.Context, by domain.EmployeeID) error {
	e, err := s.actor(ctx, by)
	if err != nil {
		return err
	}
	if !e.HasRole(domain.RoleCashier) && !e.HasRole(domain.RoleFinance) {
		return domain.ErrForbidden.WithMessage("cashiers and finance only")
	}
	return nil
}
