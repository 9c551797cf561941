package intake

import (
	"context"

	"github.com/baoxiao/baoxiao/domain"
)

// Complete lets the owner fill in what a file did not give (API.md:
// PATCH /api/v1/invoices/{id}). Only while the invoice is in no report or
// in one the owner may still edit; a number we already hold is
// invoice.duplicate and changes nothing.
func (s *Service) Complete(ctx context.Context, by domain.EmployeeID, id domain.InvoiceID, c domain.Completion) (*domain.Invoice, error) {
	inv, err := s.invoices.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if inv.OwnerID() != by {
		return nil, domain.ErrNotFound
	}
	if inv.ReportID() != "" {
		r, err := s.reports.Get(ctx, inv.ReportID())
		if err != nil {
			return nil, err
		}
		if st := r.Status(); st != domain.ReportDraft && st != domain.ReportRejected && st != domain.ReportWithdrawn {
			return nil, domain.ErrInvalidTransition.WithMessage("the invoice is in a submitted or approved report; withdraw it first").
				With(map[string]any{"report_id": string(r.ID()), "status": string(st)})
		}
	}
	buyers, err := s.buyers.Buyers(ctx)
	if err != nil {
		return nil, err
	}
	return s.invoices.UpdateFacts(ctx, id, func(inv *domain.Invoice) error {
		return inv.Complete(by, c, buyers, s.clock.Now())
	})
}

// Invoice is the owner's invoice; anyone else's does not exist here.
func (s *Service) Invoice(ctx context.Context, by domain.EmployeeID, id domain.InvoiceID) (*domain.Invoice, error) {
	inv, err := s.invoices.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if inv.OwnerID() != by {
		return nil, domain.ErrNotFound
	}
	return inv, nil
}
