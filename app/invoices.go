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
	onStored  func()
	tx        TxRunner
	queued    func()
}

// JoinCardsWith lets a wallet import join a file invoice of the same owner
// (DECISIONS 40): the card's move to its report's target is queued in tx,
// and queued wakes the outbox worker.
func (s *Invoices) JoinCardsWith(tx TxRunner, queued func()) { s.tx, s.queued = tx, queued }

// OnStored sets what to call after an import stored new invoices: the PDF
// download worker's Wake, so it need not wait for its next poll.
func (s *Invoices) OnStored(fn func()) { s.onStored = fn }

// NewInvoices returns the import use case. buyers answers the company's
// current buyer entities, for the title check.
func NewInvoices(invoices interface {
	InvoiceStore
	InvoiceLister
}, employees EmployeeDirectory, reports ReportReader, channels Channels, buyers BuyerSource, clock Clock) *Invoices {
	return &Invoices{invoices: invoices, lister: invoices, employees: employees, reports: reports, channels: channels, buyers: buyers, clock: clock}
}

// Import reads the picked invoices from WeChat in batches and stores them
// for the signed-in employee. Each item succeeds or fails on its own:
// invoices already ours or fetched are answered even when WeChat fails for
// the others, and each invoice is answered once however many cards name it.
// The call itself fails only when WeChat could not be used for any item
// (unavailable or misconfigured) and nothing else was decided.
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

	var res importAnswer
	var toFetch []ImportItem
	seen := map[CardRef]bool{}
	for _, it := range items {
		if it.Ref.CardID == "" || it.Ref.EncryptCode == "" {
			res.fail(it, domain.Invalid("items", "card_id and encrypt_code are required"))
			continue
		}
		if seen[it.Ref] {
			continue
		}
		seen[it.Ref] = true
		existing, err := s.invoices.ByWalletID(ctx, sess.Channel, it.Ref.CardID, it.Ref.EncryptCode)
		switch {
		case err == nil && existing.OwnerID() == sess.EmployeeID:
			res.add(existing)
		case err == nil:
			res.fail(it, s.Duplicate(ctx, existing))
		case errors.Is(err, domain.ErrNotFound):
			toFetch = append(toFetch, it)
		default:
			return ImportResult{}, err
		}
	}
	if len(toFetch) == 0 {
		return res.ImportResult, nil
	}

	refs := make([]CardRef, len(toFetch))
	for i, it := range toFetch {
		refs[i] = it.Ref
	}
	results, err := wc.Invoices(ctx, refs)
	if len(results) != len(toFetch) {
		// Nothing was read: every item shares the one failure.
		results = make([]InvoiceResult, len(toFetch))
		for i := range results {
			results[i] = InvoiceResult{Ref: refs[i], Err: err}
		}
	}
	var buyers []domain.Party
	buyersRead := false
	for i, r := range results {
		it := toFetch[i]
		if r.Err != nil {
			if err := res.failWeChat(it, r.Err); err != nil {
				return ImportResult{}, err
			}
			continue
		}
		if !buyersRead {
			if buyers, err = s.buyers.Buyers(ctx); err != nil {
				return ImportResult{}, err
			}
			buyersRead = true
		}
		inv, err := s.store(ctx, sess, it, *r.Invoice, buyers)
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) {
				return ImportResult{}, err
			}
			res.fail(it, de)
			continue
		}
		res.add(inv)
	}
	if len(res.Imported) > 0 && s.onStored != nil {
		s.onStored()
	}
	if len(res.Imported) == 0 && res.callFailures == len(res.Failed) {
		// WeChat could not be asked about anything and nothing else was
		// decided: the call failed as a whole, and saying so (503 for
		// "try later") serves the employee better than a list of the same
		// reason.
		return ImportResult{}, res.Failed[0].Err
	}
	return res.ImportResult, nil
}

// importAnswer builds an ImportResult: each invoice once in Imported, and
// the count of failures that are WeChat's as a whole rather than the item's.
type importAnswer struct {
	ImportResult
	ids          map[domain.InvoiceID]bool
	callFailures int
}

// add answers inv unless it is already answered: two cards of one paper (or
// the same card twice) name the same invoice.
func (a *importAnswer) add(inv *domain.Invoice) {
	if a.ids == nil {
		a.ids = map[domain.InvoiceID]bool{}
	}
	if a.ids[inv.ID()] {
		return
	}
	a.ids[inv.ID()] = true
	a.Imported = append(a.Imported, inv)
}

func (a *importAnswer) fail(it ImportItem, err *domain.Error) {
	a.Failed = append(a.Failed, ImportFailure{it, err})
}

// failWeChat records why WeChat gave no invoice for it. Answers about the
// card itself get the invoice's own codes; a WeChat that is down or
// misconfigured fails the item with the call's code (wechat.unavailable,
// wechat.rejected) and counts as a call failure. Any other error (a
// cancelled context, say) is returned: it is ours, not the item's.
func (a *importAnswer) failWeChat(it ImportItem, err error) error {
	var we *WeChatError
	if !errors.As(err, &we) {
		return err
	}
	details := map[string]any{"errcode": we.Errcode, "errmsg": we.Errmsg}
	switch {
	case we.Errcode == errcodeInvalidParams:
		// getinvoiceinfo's answer for a card_id/encrypt_code pair this
		// app's wallets do not hold (protocol §6).
		a.fail(it, domain.ErrNotInWallet.With(details))
	case we.Kind == Unreadable:
		a.fail(it, domain.ErrInvoiceUnreadable.With(map[string]any{"reason": we.Errmsg}))
	case we.Kind == Retryable || we.Kind == OutcomeUnknown || we.Kind == Misconfigured:
		a.callFailures++
		a.fail(it, asDomainError(err).(*domain.Error))
	default:
		a.fail(it, asDomainError(err).(*domain.Error))
	}
	return nil
}

// store records a fetched invoice for the employee, or says why not.
func (s *Invoices) store(ctx context.Context, sess Session, it ImportItem, fi FetchedInvoice, buyers []domain.Party) (*domain.Invoice, error) {
	f := fi.Facts
	// The wallet owner must be the one importing: nobody claims a
	// colleague's invoice by replaying their card codes (protocol §8).
	if f.OwnerOpenID != sess.OpenID {
		return nil, domain.ErrNotInWallet
	}
	f.IssuerAppID = it.IssuerAppID
	if fi.Status == domain.StatusLock {
		// Nothing of ours holds it (we would have it stored): another
		// reimburser locked it.
		return nil, domain.ErrLockedElsewhere
	}
	inv, err := domain.NewInvoice(domain.NewInvoiceID(s.clock.Now()), sess.EmployeeID, f, fi.Status, buyers, s.clock.Now())
	if errors.Is(err, domain.ErrInvalidInput) {
		// WeChat's answer, not the caller's request, lacks the field.
		return nil, domain.ErrInvoiceUnreadable.With(err.(*domain.Error).Details)
	}
	if err != nil {
		return nil, err
	}
	if err := s.invoices.Add(ctx, inv); err != nil {
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.ErrInvoiceDuplicate.Code {
			if id, _ := de.Details["invoice_id"].(string); id != "" {
				if holder, herr := s.invoices.Get(ctx, domain.InvoiceID(id)); herr == nil {
					if holder.OwnerID() == sess.EmployeeID {
						if !holder.InWallet() && s.tx != nil {
							return s.joinCard(ctx, holder.ID(), f, fi.Status)
						}
						// The same paper, already ours: a concurrent import of
						// the same card, or a fresh encrypt_code for it.
						return holder, nil
					}
					return nil, s.Duplicate(ctx, holder)
				}
			}
		}
		return nil, err
	}
	return inv, nil
}

// joinCard gives the owner's file invoice its wallet card and, in the same
// transaction, queues the card's move to what the holding report has
// decided: LOCK while submitted, CLOSURE once approved (the worker locks
// first). A draft or sent-back report's card stays as it is.
func (s *Invoices) joinCard(ctx context.Context, id domain.InvoiceID, card domain.InvoiceFacts, status domain.WeChatStatus) (*domain.Invoice, error) {
	var out *domain.Invoice
	queued := false
	err := s.tx.InTx(ctx, func(ctx context.Context, tx Repos) error {
		now := s.clock.Now()
		inv, err := tx.Invoices.UpdateFacts(ctx, id, func(inv *domain.Invoice) error {
			return inv.JoinCard(card, status, now)
		})
		if err != nil {
			return err
		}
		out = inv
		if inv.ReportID() == "" {
			return nil
		}
		r, err := tx.Reports.Get(ctx, inv.ReportID())
		if err != nil {
			return err
		}
		var target domain.WeChatStatus
		switch r.Status() {
		case domain.ReportSubmitted:
			target = domain.StatusLock
		case domain.ReportApproved, domain.ReportPaid:
			target = domain.StatusClosure
		default:
			return nil
		}
		if out, err = tx.Invoices.Update(ctx, id, func(inv *domain.Invoice) error {
			_, err := inv.RequestStatus(target, now)
			return err
		}); err != nil {
			return err
		}
		queued = true
		return tx.Outbox.Enqueue(ctx, []StatusChange{changeOf(out, target)}, now)
	})
	if err != nil {
		return nil, err
	}
	if queued && s.queued != nil {
		s.queued()
	}
	return out, nil
}

// Duplicate says who already imported the paper and in which report,
// without more of a colleague's data than their name.
func (s *Invoices) Duplicate(ctx context.Context, holder *domain.Invoice) *domain.Error {
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

// Get shows an invoice to its owner, the approvers of any step of the
// report holding it (and who decided on it), finance and admins; to anyone
// else it does not exist.
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
		if r, err := s.reports.Get(ctx, inv.ReportID()); err == nil && r.Involves(by) {
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
