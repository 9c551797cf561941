package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/baoxiao/baoxiao/domain"
)

// InvoiceStore is the invoice repository the import needs.
type InvoiceStore interface {
	Add(ctx context.Context, inv *domain.Invoice) error
	Get(ctx context.Context, id domain.InvoiceID) (*domain.Invoice, error)
	ByWalletID(ctx context.Context, ch domain.Channel, cardID, encryptCode string) (*domain.Invoice, error)
}

// ReportReader finds a report, to say where a duplicate invoice sits.
type ReportReader interface {
	Get(ctx context.Context, id domain.ReportID) (*domain.Report, error)
}

// MaxImport is the most invoices one import may carry.
const MaxImport = 100

// ImportItem is one invoice picked in the wallet.
type ImportItem struct {
	Ref         CardRef
	IssuerAppID string // chooseInvoice's app_id: the issuer's, kept, never called with
}

// ImportFailure is one invoice that was not imported, and why.
type ImportFailure struct {
	Item ImportItem
	Err  *domain.Error
}

// ImportResult lists what was imported and what was not.
type ImportResult struct {
	Imported []*domain.Invoice
	Failed   []ImportFailure
}

// Invoices imports invoices from employees' wallets.
type Invoices struct {
	invoices  InvoiceStore
	lister    InvoiceLister
	employees EmployeeDirectory
	reports   ReportReader
	channels  Channels
	buyers    BuyerSource
	clock     Clock
}

// NewInvoices returns the import use case. buyers answers the company's
// current buyer entities, for the title check.
func NewInvoices(invoices interface {
	InvoiceStore
	InvoiceLister
}, employees EmployeeDirectory, reports ReportReader, channels Channels, buyers BuyerSource, clock Clock) *Invoices {
	return &Invoices{invoices: invoices, lister: invoices, employees: employees, reports: reports, channels: channels, buyers: buyers, clock: clock}
}

// Import reads the picked invoices from WeChat in batches and stores them
// for the signed-in employee. Each item succeeds or fails on its own;
// re-importing one's own invoice answers it unchanged.
func (s *Invoices) Import(ctx context.Context, sess Session, items []ImportItem) (ImportResult, error) {
	if len(items) == 0 {
		return ImportResult{}, domain.Invalid("items", "pick at least one invoice")
	}
	if len(items) > MaxImport {
		return ImportResult{}, domain.Invalid("items", fmt.Sprintf("at most %d invoices per import", MaxImport))
	}
	if sess.Channel == "" || sess.OpenID == "" {
		return ImportResult{}, domain.ErrForbidden.WithMessage("sign in through WeChat or WeCom to import from your wallet")
	}
	wc, err := s.channels.Get(sess.Channel)
	if err != nil {
		return ImportResult{}, err
	}

	var res ImportResult
	var toFetch []ImportItem
	seen := map[CardRef]bool{}
	for _, it := range items {
		if it.Ref.CardID == "" || it.Ref.EncryptCode == "" {
			res.Failed = append(res.Failed, ImportFailure{it, domain.Invalid("items", "card_id and encrypt_code are required")})
			continue
		}
		if seen[it.Ref] {
			continue
		}
		seen[it.Ref] = true
		existing, err := s.invoices.ByWalletID(ctx, sess.Channel, it.Ref.CardID, it.Ref.EncryptCode)
		switch {
		case err == nil && existing.OwnerID() == sess.EmployeeID:
			res.Imported = append(res.Imported, existing)
		case err == nil:
			res.Failed = append(res.Failed, ImportFailure{it, s.duplicate(ctx, existing)})
		case errors.Is(err, domain.ErrNotFound):
			toFetch = append(toFetch, it)
		default:
			return ImportResult{}, err
		}
	}
	if len(toFetch) == 0 {
		return res, nil
	}

	refs := make([]CardRef, len(toFetch))
	for i, it := range toFetch {
		refs[i] = it.Ref
	}
	results, err := wc.Invoices(ctx, refs)
	if err != nil {
		return ImportResult{}, asDomainError(err)
	}
	buyers, err := s.buyers.Buyers(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	for i, r := range results {
		it := toFetch[i]
		inv, err := s.store(ctx, sess, it, r, buyers)
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) {
				return ImportResult{}, err
			}
			res.Failed = append(res.Failed, ImportFailure{it, de})
			continue
		}
		res.Imported = append(res.Imported, inv)
	}
	return res, nil
}

func (s *Invoices) store(ctx context.Context, sess Session, it ImportItem, r InvoiceResult, buyers []domain.Party) (*domain.Invoice, error) {
	if r.Err != nil {
		return nil, asDomainError(r.Err)
	}
	f := r.Invoice.Facts
	// The wallet owner must be the one importing: nobody claims a
	// colleague's invoice by replaying their card codes (protocol §8).
	if f.OwnerOpenID != sess.OpenID {
		return nil, domain.ErrForbidden.WithMessage("this invoice is not in your wallet")
	}
	f.IssuerAppID = it.IssuerAppID
	if r.Invoice.Status == domain.StatusLock {
		// Nothing of ours holds it (we would have it stored): another
		// reimburser locked it.
		return nil, domain.ErrLockedElsewhere
	}
	inv, err := domain.NewInvoice(domain.NewInvoiceID(s.clock.Now()), sess.EmployeeID, f, r.Invoice.Status, buyers, s.clock.Now())
	if err != nil {
		return nil, err
	}
	if err := s.invoices.Add(ctx, inv); err != nil {
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.ErrInvoiceDuplicate.Code {
			if id, _ := de.Details["invoice_id"].(string); id != "" {
				if holder, herr := s.invoices.Get(ctx, domain.InvoiceID(id)); herr == nil {
					if holder.OwnerID() == sess.EmployeeID {
						// The same paper, already ours: a concurrent import of
						// the same card, or a fresh encrypt_code for it.
						return holder, nil
					}
					return nil, s.duplicate(ctx, holder)
				}
			}
		}
		return nil, err
	}
	return inv, nil
}

// duplicate says who already imported the paper and in which report,
// without more of a colleague's data than their name.
func (s *Invoices) duplicate(ctx context.Context, holder *domain.Invoice) *domain.Error {
	details := map[string]any{
		"invoice_code":   holder.BusinessID().Code,
		"invoice_number": holder.BusinessID().Number,
	}
	if e, err := s.employees.Get(ctx, holder.OwnerID()); err == nil {
		details["imported_by"] = e.Name()
	}
	if holder.ReportID() != "" {
		if r, err := s.reports.Get(ctx, holder.ReportID()); err == nil {
			details["report_number"] = r.Number()
		}
	}
	return domain.ErrInvoiceDuplicate.With(details)
}

// InvoiceLister lists and deletes an owner's invoices.
type InvoiceLister interface {
	ListByOwner(ctx context.Context, owner domain.EmployeeID, filter string, before domain.InvoiceID, limit int) ([]*domain.Invoice, error)
	Delete(ctx context.Context, id domain.InvoiceID) error
}

// List returns the employee's own invoices: filter "" (all), "available",
// "in_report" or "reimbursed".
func (s *Invoices) List(ctx context.Context, by domain.EmployeeID, filter string, before domain.InvoiceID, limit int) ([]*domain.Invoice, error) {
	switch filter {
	case "", "available", "in_report", "reimbursed":
	default:
		return nil, domain.Invalid("status", `must be "available", "in_report" or "reimbursed"`)
	}
	return s.lister.ListByOwner(ctx, by, filter, before, limit)
}

// Get shows an invoice to its owner, the approver of the report holding
// it, finance and admins; to anyone else it does not exist.
func (s *Invoices) Get(ctx context.Context, by domain.EmployeeID, id domain.InvoiceID) (*domain.Invoice, error) {
	inv, err := s.invoices.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if inv.OwnerID() == by {
		return inv, nil
	}
	e, err := s.employees.Get(ctx, by)
	if err != nil {
		return nil, err
	}
	if e.HasRole(domain.RoleFinance) || e.HasRole(domain.RoleAdmin) {
		return inv, nil
	}
	if inv.ReportID() != "" {
		if r, err := s.reports.Get(ctx, inv.ReportID()); err == nil && r.ApproverID() == by {
			return inv, nil
		}
	}
	return nil, domain.ErrNotFound
}

// Delete removes one of the employee's invoices that is in no report.
func (s *Invoices) Delete(ctx context.Context, by domain.EmployeeID, id domain.InvoiceID) error {
	inv, err := s.invoices.Get(ctx, id)
	if err != nil {
		return err
	}
	if inv.OwnerID() != by {
		return domain.ErrNotFound
	}
	return s.lister.Delete(ctx, id)
}
