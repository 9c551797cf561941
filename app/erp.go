package app

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// InvoiceSearch is the Yuanian profile's search: every condition set must
// hold. Updated bounds the invoice's last change, both ends inclusive.
type InvoiceSearch struct {
	BizCode         string
	InvoiceCode     string
	InvoiceNumber   string
	UpdatedFrom     time.Time
	UpdatedTo       time.Time
	BuyerTaxNumbers []string
}

// ERPStore is what the ERP use cases read beyond the repositories.
type ERPStore interface {
	// EmployeeByOpenID finds the employee whose identity on the channel's
	// app carries this openid.
	EmployeeByOpenID(ctx context.Context, ch domain.Channel, appID, openid string) (domain.EmployeeID, error)
	// SearchInvoices answers a page of matching invoice ids, newest change
	// first, and how many match in all.
	SearchInvoices(ctx context.Context, f InvoiceSearch, offset, limit int) ([]domain.InvoiceID, int64, error)
}

// ERPInvoices is the invoice repository as the ERP use cases need it.
type ERPInvoices interface {
	InvoiceRepo
	ByWalletID(ctx context.Context, ch domain.Channel, cardID, encryptCode string) (*domain.Invoice, error)
}

// ERP is what ERP systems do through the open API, on behalf of the
// company: import invoices for an employee, read invoices and reports,
// search, export, and set the WeChat status of invoices that are in no
// baoxiao report (DECISIONS 24). The caller is an authenticated app, not
// an employee, so nothing here checks roles.
type ERP struct {
	invoices  *Invoices
	reports   *Reports
	finance   *Finance
	repo      ERPInvoices
	store     ERPStore
	links     BizCodeStore
	employees EmployeeDirectory
	channels  Channels
	tx        TxRunner
	fence     *Fence
	clock     Clock
}

// ERPDeps are what ERP is built from; Finance may be nil (no search and
// export on the native profile then).
type ERPDeps struct {
	Invoices  *Invoices
	Reports   *Reports
	Finance   *Finance
	Repo      ERPInvoices
	Store     ERPStore
	Links     BizCodeStore
	Employees EmployeeDirectory
	Channels  Channels
	Tx        TxRunner
	Fence     *Fence
	Clock     Clock
}

// NewERP returns the ERP use cases.
func NewERP(d ERPDeps) *ERP {
	return &ERP{
		invoices: d.Invoices, reports: d.Reports, finance: d.Finance, repo: d.Repo, store: d.Store, links: d.Links,
		employees: d.Employees, channels: d.Channels, tx: d.Tx, fence: d.Fence, clock: d.Clock,
	}
}

// ERPImport is an import an ERP asks for. Without EmployeeID the wallet's
// owner is found from WeChat's openid (the Yuanian profile names nobody).
type ERPImport struct {
	AppID      string
	EmployeeID domain.EmployeeID
	Channel    domain.Channel // optional: found by asking WeChat when the employee has several
	BizCode    string         // optional: the ERP's document number, for search
	Items      []ImportItem
}

// Import imports invoices from an employee's wallet through the same use
// case (and WeChat calls) as the employee's own import, then links them to
// the bizCode.
func (s *ERP) Import(ctx context.Context, in ERPImport) (ImportResult, error) {
	if len(in.Items) == 0 {
		return ImportResult{}, domain.Invalid("items", "pick at least one invoice")
	}
	if len(in.BizCode) > 64 {
		return ImportResult{}, domain.Invalid("biz_code", "at most 64 characters")
	}
	var sess Session
	var err error
	if in.EmployeeID != "" {
		sess, err = s.sessionFor(ctx, in.EmployeeID, in.Channel, in.Items[0].Ref)
	} else {
		sess, err = s.ownerSession(ctx, in.Items[0].Ref)
	}
	if err != nil {
		return ImportResult{}, err
	}
	res, err := s.invoices.Import(ctx, sess, in.Items)
	if err != nil {
		return ImportResult{}, err
	}
	if in.BizCode != "" && len(res.Imported) > 0 {
		ids := make([]domain.InvoiceID, len(res.Imported))
		for i, inv := range res.Imported {
			ids[i] = inv.ID()
		}
		if err := s.links.LinkBizCode(ctx, in.BizCode, in.AppID, ids, s.clock.Now()); err != nil {
			return ImportResult{}, err
		}
	}
	return res, nil
}

// enabledChannels are the configured channels, OA first.
func (s *ERP) enabledChannels() []domain.Channel {
	var out []domain.Channel
	for _, ch := range []domain.Channel{domain.ChannelOA, domain.ChannelWork} {
		if _, err := s.channels.Get(ch); err == nil {
			out = append(out, ch)
		}
	}
	return out
}

// sessionFor acts as the employee on their WeChat identity: the channel
// given, or the one whose WeChat can read the first invoice.
func (s *ERP) sessionFor(ctx context.Context, id domain.EmployeeID, ch domain.Channel, probe CardRef) (Session, error) {
	e, err := s.employees.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return Session{}, domain.Invalid("employee_id", "no such employee")
	}
	if err != nil {
		return Session{}, err
	}
	if !e.Active() {
		return Session{}, domain.Invalid("employee_id", "the employee is deactivated")
	}
	var candidates []domain.Identity
	for _, ident := range e.Identities() {
		if ch != "" && ident.Channel != ch {
			continue
		}
		wc, err := s.channels.Get(ident.Channel)
		if err != nil || wc.AppID() != ident.AppID {
			continue
		}
		candidates = append(candidates, ident)
	}
	if len(candidates) == 0 {
		return Session{}, domain.Invalid("employee_id", "the employee has no WeChat identity on an enabled channel")
	}
	pick := candidates[0]
	if len(candidates) > 1 {
		for _, c := range candidates {
			wc, _ := s.channels.Get(c.Channel)
			if _, err := wc.Invoice(ctx, probe); err == nil {
				pick = c
				break
			}
		}
	}
	wc, _ := s.channels.Get(pick.Channel)
	if pick.OpenID == "" {
		// A WeCom member who never signed in: learn their openid once, as
		// sign-in would.
		openid, err := wc.ConvertToOpenID(ctx, pick.UserID)
		if err != nil {
			return Session{}, asDomainError(err)
		}
		pick.OpenID = openid
		if _, err := s.employees.Update(ctx, e.ID(), func(e *domain.Employee) error {
			return e.SetIdentity(pick, s.clock.Now())
		}); err != nil {
			return Session{}, err
		}
	}
	return Session{EmployeeID: e.ID(), Channel: pick.Channel, OpenID: pick.OpenID}, nil
}

// ownerSession acts as the owner of the wallet holding ref: the holder of
// an invoice we already have, else the employee whose openid WeChat names.
func (s *ERP) ownerSession(ctx context.Context, ref CardRef) (Session, error) {
	chans := s.enabledChannels()
	for _, ch := range chans {
		inv, err := s.repo.ByWalletID(ctx, ch, ref.CardID, ref.EncryptCode)
		if err == nil {
			return Session{EmployeeID: inv.OwnerID(), Channel: ch, OpenID: inv.Facts().OwnerOpenID}, nil
		}
		if !errors.Is(err, domain.ErrNotFound) {
			return Session{}, err
		}
	}
	var lastErr error = ErrChannelOff
	for _, ch := range chans {
		wc, _ := s.channels.Get(ch)
		fi, err := wc.Invoice(ctx, ref)
		if err != nil {
			lastErr = err
			continue
		}
		openid := fi.Facts.OwnerOpenID
		id, err := s.store.EmployeeByOpenID(ctx, ch, wc.AppID(), openid)
		if errors.Is(err, domain.ErrNotFound) {
			return Session{}, domain.ErrNotFound.WithMessage("the wallet's owner is not an employee in baoxiao").
				With(map[string]any{"channel": string(ch), "openid": openid})
		}
		if err != nil {
			return Session{}, err
		}
		return Session{EmployeeID: id, Channel: ch, OpenID: openid}, nil
	}
	return Session{}, asDomainError(lastErr)
}

// Invoice is one invoice, whoever owns it.
func (s *ERP) Invoice(ctx context.Context, id domain.InvoiceID) (*domain.Invoice, error) {
	return s.repo.Get(ctx, id)
}

// InvoicesByID loads invoices in the order asked.
func (s *ERP) InvoicesByID(ctx context.Context, ids []domain.InvoiceID) ([]*domain.Invoice, error) {
	return s.repo.GetMany(ctx, ids)
}

// People loads the employees named, for views; unknown ones are left out.
func (s *ERP) People(ctx context.Context, ids ...domain.EmployeeID) map[domain.EmployeeID]*domain.Employee {
	out := map[domain.EmployeeID]*domain.Employee{}
	for _, id := range ids {
		if _, ok := out[id]; ok || id == "" {
			continue
		}
		if e, err := s.employees.Get(ctx, id); err == nil {
			out[id] = e
		}
	}
	return out
}

// Report is one report as its views need it.
func (s *ERP) Report(ctx context.Context, id domain.ReportID) (*ReportDetails, error) {
	r, err := s.reports.reports.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status() == domain.ReportDeleted {
		return nil, domain.ErrNotFound
	}
	return s.reports.details(ctx, r)
}

// InvoicesByRef finds stored invoices by wallet identity on any channel.
func (s *ERP) InvoicesByRef(ctx context.Context, refs []CardRef) ([]*domain.Invoice, error) {
	out := make([]*domain.Invoice, 0, len(refs))
	for _, ref := range refs {
		var found *domain.Invoice
		for _, ch := range s.enabledChannels() {
			inv, err := s.repo.ByWalletID(ctx, ch, ref.CardID, ref.EncryptCode)
			if err == nil {
				found = inv
				break
			}
			if !errors.Is(err, domain.ErrNotFound) {
				return nil, err
			}
		}
		if found == nil {
			return nil, domain.ErrNotFound.WithMessage("no imported invoice has this cardId and encryptCode; import it first").
				With(map[string]any{"card_id": ref.CardID})
		}
		out = append(out, found)
	}
	return out, nil
}

// SetStatus moves invoices that are in no baoxiao report to target in
// WeChat, synchronously (DECISIONS 24): LOCK, INIT (unlock) or CLOSURE
// (locking first where needed). An invoice in a baoxiao report follows the
// report's workflow and is refused with invoice.in_report. The decision is
// recorded first (a new status generation, queued changes superseded), so
// a stale outbox row cannot undo it (DECISIONS 7); WeChat is then told
// wallet by wallet, and what WeChat accepted is recorded. A failure names
// the invoices already changed.
func (s *ERP) SetStatus(ctx context.Context, ids []domain.InvoiceID, target domain.WeChatStatus) ([]*domain.Invoice, error) {
	switch target {
	case domain.StatusInit, domain.StatusLock, domain.StatusClosure:
	default:
		return nil, domain.Invalid("status", "must be INIT, LOCK or CLOSURE (CANCEL is set by the issuer only)")
	}
	if len(ids) == 0 || len(ids) > MaxImport {
		return nil, domain.Invalid("invoice_ids", "1 to 100 invoices")
	}
	seen := map[domain.InvoiceID]bool{}
	var uniq []domain.InvoiceID
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	invs, err := s.repo.GetMany(ctx, uniq)
	if err != nil {
		return nil, err
	}
	var todo []*domain.Invoice
	for _, inv := range invs {
		if !inv.InWallet() {
			return nil, domain.ErrInvoiceNoWeChat.With(map[string]any{"invoice_id": string(inv.ID())})
		}
		if err := s.checkFree(ctx, inv); err != nil {
			return nil, err
		}
		switch {
		case inv.Status() == target && target.Final():
			continue // already closed: nothing to do
		case inv.Status().Final():
			return nil, domain.ErrorForStatus(inv.Status()).With(map[string]any{"invoice_id": string(inv.ID())})
		}
		todo = append(todo, inv)
	}
	if len(todo) == 0 {
		return invs, nil
	}

	// The ordered write path (DECISIONS 31): hold the claims, commit the
	// decision with its change queued (due only after this call's budget,
	// the record of what must hold should this call die), send, settle.
	hold, err := s.fence.HoldAll(ctx, idsOf(todo))
	if err != nil {
		return nil, err
	}
	defer hold.Release(ctx)
	gens := map[domain.InvoiceID]int64{}
	now := s.clock.Now()
	err = s.tx.InTx(ctx, func(ctx context.Context, tx Repos) error {
		changes := make([]StatusChange, len(todo))
		for i, inv := range todo {
			up, err := tx.Invoices.Update(ctx, inv.ID(), func(cur *domain.Invoice) error {
				if cur.ReportID() != "" {
					return s.inReport(ctx, cur)
				}
				_, err := cur.RequestStatus(target, now)
				return err
			})
			if err != nil {
				return err
			}
			gens[up.ID()] = up.StatusGeneration()
			changes[i] = changeOf(up, target)
			changes[i].Due = now.Add(submitClaim)
		}
		return tx.Outbox.Enqueue(ctx, changes, now)
	})
	if err != nil {
		return nil, err
	}

	var done []*domain.Invoice
	groups := groupByWallet(todo)
	for gi, g := range groups {
		err := s.setGroup(ctx, g, target)
		if err == nil {
			done = append(done, g.invoices...)
			continue
		}
		// What was not delivered stays queued, due now: the worker
		// retries it, or fails it for good, visibly.
		var rest []*domain.Invoice
		for _, later := range groups[gi:] {
			rest = append(rest, later.invoices...)
		}
		s.settle(context.WithoutCancel(ctx), done, rest, target, gens)
		changed := make([]string, len(done))
		for i, inv := range done {
			changed[i] = string(inv.ID())
		}
		failed := make([]string, len(g.invoices))
		for i, inv := range g.invoices {
			failed[i] = string(inv.ID())
		}
		err = asDomainError(err)
		var de *domain.Error
		if errors.As(err, &de) {
			details := maps.Clone(de.Details)
			if details == nil {
				details = map[string]any{}
			}
			details["changed"], details["refused"] = changed, failed
			return nil, de.With(details)
		}
		return nil, err
	}
	s.settle(ctx, done, nil, target, gens)
	return s.repo.GetMany(ctx, uniq)
}

// settle records what WeChat accepted and marks its queued changes done;
// the changes of the rest fall due now for the worker.
func (s *ERP) settle(ctx context.Context, done, rest []*domain.Invoice, target domain.WeChatStatus, gens map[domain.InvoiceID]int64) {
	s.record(ctx, done, target, gens)
	now := s.clock.Now()
	err := s.tx.InTx(ctx, func(ctx context.Context, tx Repos) error {
		if err := tx.Outbox.Complete(ctx, idsOf(done), gens, now); err != nil {
			return err
		}
		return tx.Outbox.Hasten(ctx, idsOf(rest), now)
	})
	if err != nil {
		// The changes stay queued and fall due on their own.
		slog.ErrorContext(ctx, "settle the queued changes of an ERP status call", "err", err)
	}
	if len(rest) > 0 && s.reports.queued != nil {
		s.reports.queued()
	}
}

func idsOf(invs []*domain.Invoice) []domain.InvoiceID {
	ids := make([]domain.InvoiceID, len(invs))
	for i, inv := range invs {
		ids[i] = inv.ID()
	}
	return ids
}

// setGroup changes one wallet's invoices in one batch call (two for a
// closure of unlocked ones: WeChat closes only locked invoices).
func (s *ERP) setGroup(ctx context.Context, g walletGroup, target domain.WeChatStatus) error {
	wc, err := s.channels.Get(g.channel)
	if err != nil {
		return err
	}
	if target == domain.StatusClosure {
		var unlocked []*domain.Invoice
		for _, inv := range g.invoices {
			if inv.Status() == domain.StatusInit {
				unlocked = append(unlocked, inv)
			}
		}
		if len(unlocked) > 0 {
			if err := withRetry(ctx, func() error {
				return wc.SetStatusBatch(ctx, g.openid, domain.StatusLock, refsOf(unlocked))
			}); err != nil {
				return err
			}
		}
	}
	return withRetry(ctx, func() error {
		return wc.SetStatusBatch(ctx, g.openid, target, refsOf(g.invoices))
	})
}

// record notes WeChat's new status on invoices no newer decision overtook.
func (s *ERP) record(ctx context.Context, invs []*domain.Invoice, status domain.WeChatStatus, gens map[domain.InvoiceID]int64) {
	for _, inv := range invs {
		if _, err := s.repo.Update(ctx, inv.ID(), func(cur *domain.Invoice) error {
			if cur.StatusGeneration() == gens[cur.ID()] {
				cur.RecordWeChatStatus(status, s.clock.Now())
			}
			return nil
		}); err != nil && !errors.Is(err, domain.ErrNotFound) {
			// WeChat has it; reconciliation corrects our record.
			slog.ErrorContext(ctx, "record WeChat status set by an ERP", "invoice", inv.ID(), "err", err)
		}
	}
}

// checkFree refuses an invoice held by a baoxiao report.
func (s *ERP) checkFree(ctx context.Context, inv *domain.Invoice) error {
	if inv.ReportID() == "" {
		return nil
	}
	return s.inReport(ctx, inv)
}

func (s *ERP) inReport(ctx context.Context, inv *domain.Invoice) error {
	details := map[string]any{"invoice_id": string(inv.ID()), "report_id": string(inv.ReportID())}
	if r, err := s.reports.reports.Get(ctx, inv.ReportID()); err == nil {
		details["report_number"] = r.Number()
		details["report_status"] = string(r.Status())
	}
	return domain.ErrInvoiceInReport.WithMessage("the invoice is in a baoxiao report: its WeChat status follows the report " +
		"(submit locks, approve closes, reject and withdraw unlock), not the open API").With(details)
}

// Search is the finance search (the same filters and cursor) for an app.
func (s *ERP) Search(ctx context.Context, f FinanceFilter, after *FinanceCursor, limit int) (FinancePage, error) {
	if s.finance == nil {
		return FinancePage{}, domain.ErrNotFound.WithMessage("search is not available in this deployment")
	}
	if limit < 1 || limit > MaxPage {
		return FinancePage{}, domain.Invalid("limit", "must be a whole number from 1 to 500")
	}
	if after != nil && after.DateField != f.DateField {
		return FinancePage{}, domain.Invalid("cursor", "belongs to a search on another date_field")
	}
	rows, err := s.finance.store.FinancePage(ctx, f, after, limit+1)
	if err != nil {
		return FinancePage{}, err
	}
	p := FinancePage{Rows: rows}
	if len(rows) > limit {
		p.Rows = rows[:limit]
		last := p.Rows[limit-1]
		p.Next = &FinanceCursor{DateField: f.DateField, At: last.SortAt(f.DateField), ID: last.InvoiceID}
	}
	return p, nil
}

// Export prepares the finance export for an app (approved reports by
// approval date, DECISIONS 19). Machines read it: states stay codes, as
// everywhere in the open API (DECISIONS 50).
func (s *ERP) Export(f FinanceFilter, format string) (*ExportJob, error) {
	if s.finance == nil {
		return nil, domain.ErrNotFound.WithMessage("export is not available in this deployment")
	}
	job, err := s.finance.OperatorExport(f, format)
	if err != nil {
		return nil, err
	}
	job.meta.Codes = true
	return job, nil
}

// MaxYuanianPage is the largest page the Yuanian search answers.
const MaxYuanianPage = 100

// SearchPage is the Yuanian search: page (from 1) of size invoices, and
// how many match in all.
func (s *ERP) SearchPage(ctx context.Context, f InvoiceSearch, page, size int) ([]*domain.Invoice, int64, error) {
	if page < 1 {
		return nil, 0, domain.Invalid("page", "must be 1 or more")
	}
	if size < 1 || size > MaxYuanianPage {
		return nil, 0, domain.Invalid("size", "must be 1 to 100")
	}
	ids, total, err := s.store.SearchInvoices(ctx, f, (page-1)*size, size)
	if err != nil {
		return nil, 0, err
	}
	invs, err := s.repo.GetMany(ctx, ids)
	return invs, total, err
}

// BizCodes answers the bizCode each invoice was imported under, if any.
func (s *ERP) BizCodes(ctx context.Context, invs []*domain.Invoice) (map[domain.InvoiceID]string, error) {
	ids := make([]domain.InvoiceID, len(invs))
	for i, inv := range invs {
		ids[i] = inv.ID()
	}
	return s.links.BizCodes(ctx, ids)
}
