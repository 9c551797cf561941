package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// Reports runs the expense-report workflow and keeps the invoices' status
// in WeChat in step: submit locks synchronously; approve, reject and
// withdraw commit locally and queue the change in the same transaction.
type Reports struct {
	tx        TxRunner
	reports   ReportStore
	invoices  InvoiceRepo
	employees EmployeeDirectory
	sync      SyncReader
	channels  Channels
	fence     *Fence
	approvals *Approvals
	clock     Clock
	queued    func()
	// expenseTypes checks the codes an edit names (report_details.go).
	expenseTypes ExpenseTypeReader
	notifier     Notifier
}

// OnQueued registers fn to run after a decision queued WeChat changes,
// e.g. to wake the outbox worker.
func (s *Reports) OnQueued(fn func()) { s.queued = fn }

// NewReports returns the report workflow.
func NewReports(tx TxRunner, reports ReportStore, invoices InvoiceRepo, employees EmployeeDirectory, sync SyncReader, channels Channels, fence *Fence, approvals *Approvals, clock Clock) *Reports {
	return &Reports{tx: tx, reports: reports, invoices: invoices, employees: employees, sync: sync, channels: channels, fence: fence, approvals: approvals, clock: clock}
}

// ReportDetails is a report with what a view of it needs.
type ReportDetails struct {
	Report   *domain.Report
	Invoices []*domain.Invoice
	People   map[domain.EmployeeID]*domain.Employee
	Sync     SyncSummary
	// Plan is the stored plan of a submitted or approved report, else a
	// preview computed from the policy in force (DECISIONS 43).
	Plan domain.Plan
	// PlanError says why no preview could be made (report.no_approver).
	PlanError error
}

func (s *Reports) actor(ctx context.Context, id domain.EmployeeID) (*domain.Employee, error) {
	e, err := s.employees.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) || err == nil && !e.Active() {
		return nil, domain.ErrAuthRequired
	}
	return e, err
}

// Create starts a draft for the employee; anyone may claim (DECISIONS 33).
func (s *Reports) Create(ctx context.Context, by domain.EmployeeID, title string, invoiceIDs []domain.InvoiceID) (*ReportDetails, error) {
	owner, err := s.actor(ctx, by)
	if err != nil {
		return nil, err
	}
	invs, err := s.ownInvoices(ctx, by, invoiceIDs)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	r, err := s.reports.Create(ctx, now.Year(), func(number string) (*domain.Report, error) {
		return domain.NewReport(domain.NewReportID(now), number, title, owner, invs, now)
	})
	if err != nil {
		return nil, err
	}
	return s.details(ctx, r)
}

// ownInvoices loads invoices the employee may put in a report; someone
// else's invoice is reported as not found, not as forbidden, so ids cannot
// be probed.
func (s *Reports) ownInvoices(ctx context.Context, by domain.EmployeeID, ids []domain.InvoiceID) ([]*domain.Invoice, error) {
	invs, err := s.invoices.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, inv := range invs {
		if inv.OwnerID() != by {
			return nil, domain.ErrNotFound.With(map[string]any{"invoice_id": string(inv.ID())})
		}
	}
	return invs, nil
}

// Get shows a report to its owner, the approvers of its chain, finance and
// admins.
func (s *Reports) Get(ctx context.Context, by domain.EmployeeID, id domain.ReportID) (*ReportDetails, error) {
	actor, err := s.actor(ctx, by)
	if err != nil {
		return nil, err
	}
	r, err := s.reports.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canSee(actor, r) {
		return nil, domain.ErrNotFound
	}
	return s.details(ctx, r)
}

func canSee(e *domain.Employee, r *domain.Report) bool {
	return r.Involves(e.ID()) || e.HasRole(domain.RoleFinance) || e.HasRole(domain.RoleAdmin) || e.HasRole(domain.RoleCashier)
}

// List returns reports in a scope: "mine", "to_approve" (submitted, the
// current step waiting for me: 待我审批), "decided" (I approved or
// rejected a step: 我已审批; search is a prefix of the number, title or
// owner's name) or "all" (finance and admin).
func (s *Reports) List(ctx context.Context, by domain.EmployeeID, scope, search string, statuses []domain.ReportStatus, before domain.ReportID, limit int) ([]*ReportDetails, error) {
	actor, err := s.actor(ctx, by)
	if err != nil {
		return nil, err
	}
	q := ReportQuery{Statuses: statuses, Before: before, Limit: limit, Search: strings.TrimSpace(search)}
	switch scope {
	case "", "mine":
		q.EmployeeID = by
	case "to_approve":
		q.PendingFor = by
		if len(statuses) == 0 {
			q.Statuses = []domain.ReportStatus{domain.ReportSubmitted}
		}
	case "decided":
		q.DecidedBy = by
	case "all":
		if !actor.HasRole(domain.RoleFinance) && !actor.HasRole(domain.RoleAdmin) && !actor.HasRole(domain.RoleCashier) {
			return nil, domain.ErrForbidden.WithMessage("only finance, cashiers and admins see all reports")
		}
	default:
		return nil, domain.Invalid("scope", `must be "mine", "to_approve", "decided" or "all"`)
	}
	rs, err := s.reports.List(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.detailsOf(ctx, rs)
}

// EditReport changes a draft, rejected or withdrawn report's title and/or
// invoices, if the caller saw its current version, and its expense
// details (issue 17): the purpose and the invoices' expense types, set
// after the invoices in one change.
func (s *Reports) EditReport(ctx context.Context, by domain.EmployeeID, id domain.ReportID, version int64, e ReportEdit) (*ReportDetails, error) {
	title, invoiceIDs := e.Title, e.InvoiceIDs
	actor, err := s.actor(ctx, by)
	if err != nil {
		return nil, err
	}
	known, err := s.activeExpenseCodes(ctx, e)
	if err != nil {
		return nil, err
	}
	var invs []*domain.Invoice
	if invoiceIDs != nil {
		if invs, err = s.ownInvoices(ctx, by, invoiceIDs); err != nil {
			return nil, err
		}
		if invs == nil {
			invs = []*domain.Invoice{}
		}
	}
	r, err := s.reports.Update(ctx, id, func(r *domain.Report) error {
		if err := checkVisible(actor, r); err != nil {
			return err
		}
		if r.Version() != version {
			return domain.ErrVersionConflict.With(map[string]any{"version": r.Version()})
		}
		if r.Status() == domain.ReportSubmitted {
			if err := r.Describe(domain.ActorOf(actor), e.Purpose, e.ExpenseTypes, known, s.clock.Now()); err != nil {
				return err // a submitted report's details are fixed
			}
			return s.removeCancelled(ctx, actor, r, title, invoiceIDs)
		}
		if title != nil || invs != nil || e.Purpose == nil && len(e.ExpenseTypes) == 0 {
			if err := r.Edit(domain.ActorOf(actor), title, invs, s.clock.Now()); err != nil {
				return err
			}
		}
		return r.Describe(domain.ActorOf(actor), e.Purpose, e.ExpenseTypes, known, s.clock.Now())
	})
	if err != nil {
		return nil, err
	}
	return s.details(ctx, r)
}

// removeCancelled is the one edit of a submitted report: dropping the
// invoices their issuer cancelled (DECISIONS 49), which needs_attention
// asks the owner to do. CANCEL is final, so no WeChat write follows; the
// other invoices stay locked under review.
func (s *Reports) removeCancelled(ctx context.Context, actor *domain.Employee, r *domain.Report, title *string, keep []domain.InvoiceID) error {
	if actor.ID() != r.EmployeeID() {
		return domain.ErrForbidden.WithMessage("only the report's owner may do this")
	}
	if title != nil && *title != r.Title() || keep == nil {
		return domain.ErrInvalidTransition.WithMessage("a submitted report may only lose invoices their issuer cancelled (红冲); withdraw it to change more").
			With(map[string]any{"from": string(r.Status()), "action": string(domain.ActionEdit)})
	}
	var gone []domain.InvoiceID
	for _, id := range r.InvoiceIDs() {
		if !slices.Contains(keep, id) {
			gone = append(gone, id)
		}
	}
	for _, id := range keep {
		if !slices.Contains(r.InvoiceIDs(), id) {
			return domain.ErrInvalidTransition.WithMessage("invoices cannot be added to a submitted report; withdraw it first").
				With(map[string]any{"from": string(r.Status()), "action": string(domain.ActionEdit), "invoice_id": string(id)})
		}
	}
	removed, err := s.invoices.GetMany(ctx, gone)
	if err != nil {
		return err
	}
	return r.RemoveCancelled(domain.ActorOf(actor), removed, s.clock.Now())
}

func checkVisible(e *domain.Employee, r *domain.Report) error {
	if !canSee(e, r) {
		return domain.ErrNotFound
	}
	return nil
}

// Delete removes a draft, rejected or withdrawn report and frees its
// invoices. Their WeChat status is INIT already.
func (s *Reports) Delete(ctx context.Context, by domain.EmployeeID, id domain.ReportID) error {
	actor, err := s.actor(ctx, by)
	if err != nil {
		return err
	}
	_, err = s.reports.Update(ctx, id, func(r *domain.Report) error {
		if err := checkVisible(actor, r); err != nil {
			return err
		}
		return r.Delete(domain.ActorOf(actor), s.clock.Now())
	})
	return err
}

// submitBudget bounds a submit's WeChat calls; the claim outlasts it, so a
// slow submit can never overlap another.
const (
	submitBudget = time.Minute
	submitClaim  = 2 * time.Minute
)

// Submit locks every invoice of the report in WeChat, then marks it
// submitted. No transaction is held while WeChat is asked: a claim on the
// report keeps other submits out instead, and the final commit checks the
// report did not change meanwhile. If WeChat refuses any lock, or the
// commit fails, the locks taken are released and the report keeps its
// status (DECISIONS 6, 9).
func (s *Reports) Submit(ctx context.Context, by domain.EmployeeID, id domain.ReportID) (*ReportDetails, error) {
	actor, err := s.actor(ctx, by)
	if err != nil {
		return nil, err
	}
	r, err := s.reports.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := checkVisible(actor, r); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	// Refuse what the domain refuses before touching WeChat.
	if err := r.CanSubmit(domain.ActorOf(actor)); err != nil {
		return nil, err
	}
	// The chain is resolved now and stored with the report: later policy
	// or directory edits do not move it (DECISIONS 32). A chain with
	// nobody refuses before anything is locked (DECISIONS 45).
	plan, err := s.approvals.Resolve(ctx, actor, r.Total())
	if err != nil {
		return nil, err
	}
	invs, err := s.invoices.GetMany(ctx, r.InvoiceIDs())
	if err != nil {
		return nil, err
	}
	for _, inv := range invs {
		if err := inv.CheckClaimable(r.ID()); err != nil {
			return nil, err
		}
		if err := inv.CheckSubmittable(); err != nil {
			return nil, err
		}
	}
	until := now.Add(submitClaim)
	if err := s.reports.ClaimSubmit(ctx, id, r.Version(), now, until); err != nil {
		return nil, err
	}
	release := func() {
		if err := s.reports.ReleaseSubmit(context.WithoutCancel(ctx), id, until); err != nil {
			slog.ErrorContext(ctx, "release submit claim", "report", id, "err", err)
		}
	}
	out, err := s.lockAndCommit(ctx, actor, r, plan, invs, until)
	if err != nil {
		release()
		return nil, err
	}
	if s.queued != nil {
		s.queued() // the approvers' notices
	}
	return s.details(ctx, out)
}

// lockAndCommit is submit's part of the ordered write path (DECISIONS
// 31): it holds the invoices' write claims, queues the unlock that must
// hold should the submit not commit (due only after the submit's claim
// ends, so a crash mid-submit is undone by a worker), locks in WeChat and
// commits. The commit supersedes that unlock; a refusal or a failed
// commit releases the locks at once.
func (s *Reports) lockAndCommit(ctx context.Context, actor *domain.Employee, r *domain.Report, plan domain.Plan, all []*domain.Invoice, until time.Time) (*domain.Report, error) {
	// File invoices have no WeChat card: nothing to lock (DECISIONS 34).
	var invs []*domain.Invoice
	var ids, files []domain.InvoiceID
	for _, inv := range all {
		if inv.InWallet() {
			invs = append(invs, inv)
			ids = append(ids, inv.ID())
		} else {
			files = append(files, inv.ID())
		}
	}
	hold, err := s.fence.HoldAll(ctx, ids)
	if err != nil {
		return nil, err
	}
	defer hold.Release(ctx)
	// Read again under the claims: what a finished write recorded counts.
	if invs, err = s.invoices.GetMany(ctx, ids); err != nil {
		return nil, err
	}
	for _, inv := range invs {
		if err := inv.CheckClaimable(r.ID()); err != nil {
			return nil, err
		}
	}
	// The unlock is a decision of its own (a new generation whose target
	// is INIT): should this submit stall past its claims, the writer that
	// takes them over, and the stalled submit when it finds them lost,
	// both know INIT is what must hold unless the submit commits.
	now := s.clock.Now()
	gens := map[domain.InvoiceID]int64{}
	if err := s.tx.InTx(ctx, func(ctx context.Context, tx Repos) error {
		// A submit whose claim on the report ran out may find another
		// submit committed meanwhile: it must not decide anything then.
		cur, err := tx.Reports.Get(ctx, r.ID())
		if err != nil {
			return err
		}
		if cur.Version() != r.Version() {
			return domain.ErrVersionConflict.WithMessage("the report changed while it was being submitted; reload and try again")
		}
		undo := make([]StatusChange, len(invs))
		for i, inv := range invs {
			up, err := tx.Invoices.Update(ctx, inv.ID(), func(inv *domain.Invoice) error {
				_, err := inv.RequestStatus(domain.StatusInit, now)
				return err
			})
			if err != nil {
				return err
			}
			undo[i] = changeOf(up, domain.StatusInit)
			undo[i].Due = now.Add(submitClaim)
			gens[up.ID()] = up.StatusGeneration()
		}
		return tx.Outbox.Enqueue(ctx, undo, now)
	}); err != nil {
		return nil, err
	}

	wctx, cancel := context.WithTimeout(ctx, submitBudget)
	touched, err := s.lockAll(wctx, invs)
	cancel()
	if err != nil {
		s.undoLocks(context.WithoutCancel(ctx), invs, touched, gens)
		return nil, err
	}

	var out *domain.Report
	err = s.tx.InTx(ctx, func(ctx context.Context, tx Repos) error {
		var err error
		out, err = tx.Reports.Update(ctx, r.ID(), func(cur *domain.Report) error {
			if cur.Version() != r.Version() {
				return domain.ErrVersionConflict.WithMessage("the report changed while it was being submitted; reload and try again")
			}
			before := BeforeOf(cur)
			now := s.clock.Now()
			if err := cur.Submit(domain.ActorOf(actor), plan, now); err != nil {
				return err
			}
			if err := checkStillFiles(ctx, tx.Invoices, files); err != nil {
				return err
			}
			var relock []StatusChange
			for _, inv := range invs {
				// A newer generation than the submit's own unlock means a
				// writer whose claims ran out re-asserted the invoice
				// (Fence.Reassert) — its stale write may have landed after
				// our lock. The lock is then queued again, not recorded.
				overtaken := false
				up, err := tx.Invoices.Update(ctx, inv.ID(), func(inv *domain.Invoice) error {
					overtaken = inv.StatusGeneration() != gens[inv.ID()]
					if _, err := inv.RequestStatus(domain.StatusLock, now); err != nil {
						return err
					}
					if !overtaken {
						inv.RecordWeChatStatus(domain.StatusLock, now)
					}
					return nil
				})
				if err != nil {
					return err
				}
				if overtaken {
					relock = append(relock, changeOf(up, domain.StatusLock))
				}
			}
			// The lock is in WeChat: neither the unlock queued above nor
			// one from an earlier withdraw may undo it (DECISIONS 7).
			if err := tx.Outbox.Supersede(ctx, ids, now); err != nil {
				return err
			}
			if err := tx.Outbox.Enqueue(ctx, relock, now); err != nil {
				return err
			}
			if err := publish(ctx, tx, reportEvent(cur, now)); err != nil {
				return err
			}
			if err := notify(ctx, s.notifier, tx, before, cur, now); err != nil {
				return err
			}
			// A submit that outlived its claim may no longer own the
			// report: it must not commit over another one's work.
			return tx.Reports.EndSubmit(ctx, r.ID(), until, now)
		})
		return err
	})
	if err != nil {
		// WeChat holds locks for a submit that did not commit.
		s.undoLocks(context.WithoutCancel(ctx), invs, invs, gens)
		return nil, err
	}
	return out, nil
}

// checkStillFiles refuses the commit when a file invoice gained its wallet
// card while the submit ran: that card was not locked with the others.
func checkStillFiles(ctx context.Context, repo InvoiceRepo, ids []domain.InvoiceID) error {
	if len(ids) == 0 {
		return nil
	}
	invs, err := repo.GetMany(ctx, ids)
	if err != nil {
		return err
	}
	for _, inv := range invs {
		if inv.InWallet() {
			return domain.ErrVersionConflict.WithMessage("an invoice of the report was just imported from the wallet; submit again").
				With(map[string]any{"invoice_id": string(inv.ID())})
		}
	}
	return nil
}

// undoLocks releases what a failed submit may have locked, still under its
// claims. Each queued unlock is then settled: done where the unlock went
// through (and INIT recorded), due now everywhere else (a worker sends it).
func (s *Reports) undoLocks(ctx context.Context, invs, touched []*domain.Invoice, gens map[domain.InvoiceID]int64) {
	failed := s.unlock(ctx, touched)
	// Settled: the unlocks that went through. Everything else is sent by a
	// worker now — also an invoice this submit never touched, whose WeChat
	// status may still await an earlier decision's unlock that the submit's
	// own unlock superseded.
	var done, retry []domain.InvoiceID
	for _, inv := range invs {
		if slices.Contains(touched, inv) && !slices.Contains(failed, inv) {
			done = append(done, inv.ID())
		} else {
			retry = append(retry, inv.ID())
		}
	}
	now := s.clock.Now()
	err := s.tx.InTx(ctx, func(ctx context.Context, tx Repos) error {
		for _, id := range done {
			// WeChat says INIT now: record it unless a newer decision
			// came meanwhile (its own write records what it sends).
			if _, err := tx.Invoices.Update(ctx, id, func(inv *domain.Invoice) error {
				if inv.StatusGeneration() == gens[id] {
					inv.RecordWeChatStatus(domain.StatusInit, now)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		if err := tx.Outbox.Complete(ctx, done, gens, now); err != nil {
			return err
		}
		return tx.Outbox.Hasten(ctx, retry, now)
	})
	if err != nil {
		// The unlocks stay queued and fall due when the submit's claim ends.
		slog.ErrorContext(ctx, "settle the unlocks of a failed submit", "err", err)
	}
	if len(retry) > 0 && s.queued != nil {
		s.queued()
	}
}

// walletGroup is invoices one updatestatusbatch call may carry: same
// channel, same owner openid.
type walletGroup struct {
	channel  domain.Channel
	openid   string
	invoices []*domain.Invoice
}

func groupByWallet(invs []*domain.Invoice) []walletGroup {
	var groups []walletGroup
	index := map[[2]string]int{}
	for _, inv := range invs {
		f := inv.Facts()
		k := [2]string{string(f.Channel), f.OwnerOpenID}
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, walletGroup{channel: f.Channel, openid: f.OwnerOpenID})
		}
		groups[i].invoices = append(groups[i].invoices, inv)
	}
	return groups
}

func refsOf(invs []*domain.Invoice) []CardRef {
	refs := make([]CardRef, len(invs))
	for i, inv := range invs {
		f := inv.Facts()
		refs[i] = CardRef{CardID: f.CardID, EncryptCode: f.EncryptCode}
	}
	return refs
}

// lockAll locks the invoices group by group and answers the invoices it
// may have locked. On a refusal it finds out, invoice by invoice, which
// ones WeChat refuses and answers report.submit_refused with the reasons;
// the caller releases what was locked.
func (s *Reports) lockAll(ctx context.Context, invs []*domain.Invoice) ([]*domain.Invoice, error) {
	var done []*domain.Invoice
	for _, g := range groupByWallet(invs) {
		wc, err := s.channels.Get(g.channel)
		if err != nil {
			return done, err
		}
		err = withRetry(ctx, func() error {
			return wc.SetStatusBatch(ctx, g.openid, domain.StatusLock, refsOf(g.invoices))
		})
		if err == nil {
			done = append(done, g.invoices...)
			continue
		}
		var we *WeChatError
		if !asWeChatError(err, &we) || we.Kind == Retryable || we.Kind == OutcomeUnknown || we.Kind == Misconfigured {
			// The batch may have gone through: release it too.
			return append(done, g.invoices...), asDomainError(err)
		}
		// The batch error names no invoice: try each alone to learn which.
		var refused []map[string]any
		for _, inv := range g.invoices {
			err := wc.SetStatus(ctx, refsOf([]*domain.Invoice{inv})[0], domain.StatusLock)
			if err == nil {
				done = append(done, inv)
				continue
			}
			errcode, code := 0, domain.ErrWeChatRejected.Code
			if asWeChatError(err, &we) {
				errcode = we.Errcode
				if we.Kind != Refused {
					done = append(done, inv) // unknown outcome: may be locked
				}
			}
			var de *domain.Error
			if errors.As(asDomainError(err), &de) {
				code = de.Code // e.g. invoice.locked_elsewhere for 72023
			}
			refused = append(refused, map[string]any{
				"invoice_id": string(inv.ID()), "code": code, "errcode": errcode,
				"invoice_code": inv.BusinessID().Code, "invoice_number": inv.BusinessID().Number,
			})
		}
		if len(refused) == 0 {
			// Each alone went through: the batch failed for the batch's sake.
			return done, asDomainError(err)
		}
		return done, domain.ErrSubmitRefused.With(map[string]any{"invoices": refused})
	}
	return done, nil
}

// unlock releases locks taken by a submit that failed, and answers the
// invoices it could not release (best effort: their queued unlock is left
// to the worker).
func (s *Reports) unlock(ctx context.Context, invs []*domain.Invoice) []*domain.Invoice {
	var failed []*domain.Invoice
	for _, g := range groupByWallet(invs) {
		wc, err := s.channels.Get(g.channel)
		if err != nil {
			failed = append(failed, g.invoices...)
			continue
		}
		if err := withRetry(ctx, func() error {
			return wc.SetStatusBatch(ctx, g.openid, domain.StatusInit, refsOf(g.invoices))
		}); err != nil {
			slog.ErrorContext(ctx, "release locks of a failed submit", "channel", g.channel, "invoices", len(g.invoices), "err", err)
			failed = append(failed, g.invoices...)
		}
	}
	return failed
}

// Approve records the caller's approval of the report's current step. An
// approval that completes the chain re-reads the invoices in WeChat first
// and refuses if one was cancelled meanwhile (DECISIONS 8); then the
// approval and the queued CLOSURE commit together. An approval before the
// last step changes nothing in WeChat (DECISIONS 32).
func (s *Reports) Approve(ctx context.Context, by domain.EmployeeID, id domain.ReportID, comment string) (*ReportDetails, error) {
	actor, err := s.actor(ctx, by)
	if err != nil {
		return nil, err
	}
	r, err := s.reports.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := checkVisible(actor, r); err != nil {
		return nil, err
	}
	// Refuse early who may not approve, before asking WeChat anything.
	final, err := r.Final(domain.ActorOf(actor), s.clock.Now())
	if err != nil {
		return nil, err
	}
	if final {
		if err := s.checkNotCancelled(ctx, r); err != nil {
			return nil, err
		}
	}
	return s.decide(ctx, actor, id, domain.StatusClosure, func(r *domain.Report, now time.Time) error {
		if err := r.Approve(domain.ActorOf(actor), comment, now); err != nil {
			return err
		}
		if r.Status() == domain.ReportApproved && !final {
			// Another approver of an `all` step approved meanwhile: this
			// approval now closes the chain, unchecked in WeChat.
			return domain.ErrVersionConflict.WithMessage("the report changed while it was being approved; try again")
		}
		return nil
	})
}

// Reject sends a submitted report back; its invoices are unlocked.
func (s *Reports) Reject(ctx context.Context, by domain.EmployeeID, id domain.ReportID, reason string) (*ReportDetails, error) {
	actor, err := s.actor(ctx, by)
	if err != nil {
		return nil, err
	}
	return s.decide(ctx, actor, id, domain.StatusInit, func(r *domain.Report, now time.Time) error {
		return r.Reject(domain.ActorOf(actor), reason, now)
	})
}

// Withdraw takes a submitted report back; its invoices are unlocked.
func (s *Reports) Withdraw(ctx context.Context, by domain.EmployeeID, id domain.ReportID) (*ReportDetails, error) {
	actor, err := s.actor(ctx, by)
	if err != nil {
		return nil, err
	}
	return s.decide(ctx, actor, id, domain.StatusInit, func(r *domain.Report, now time.Time) error {
		return r.Withdraw(domain.ActorOf(actor), now)
	})
}

// decide applies a decision and queues the invoices' move to target in
// WeChat, all in one transaction: the decision is never lost, and never
// recorded without its WeChat change.
func (s *Reports) decide(ctx context.Context, actor *domain.Employee, id domain.ReportID, target domain.WeChatStatus, apply func(*domain.Report, time.Time) error) (*ReportDetails, error) {
	var out *domain.Report
	err := s.tx.InTx(ctx, func(ctx context.Context, tx Repos) error {
		var err error
		out, err = tx.Reports.Update(ctx, id, func(r *domain.Report) error {
			if err := checkVisible(actor, r); err != nil {
				return err
			}
			now := s.clock.Now()
			before := BeforeOf(r)
			if err := apply(r, now); err != nil {
				return err
			}
			if err := notify(ctx, s.notifier, tx, before, r, now); err != nil {
				return err
			}
			if r.Status() == domain.ReportSubmitted {
				// A step of the chain was decided, not the report: WeChat
				// keeps its lock and nothing is queued (DECISIONS 32).
				return nil
			}
			var changes []StatusChange
			for _, invID := range r.InvoiceIDs() {
				cancelled, file := false, false
				inv, err := tx.Invoices.Update(ctx, invID, func(inv *domain.Invoice) error {
					if !inv.InWallet() {
						// A file invoice: nothing to tell WeChat (DECISIONS 34).
						file = true
						return nil
					}
					if inv.Status() == domain.StatusCancel && target == domain.StatusInit {
						// CANCEL is final and the issuer's: there is
						// nothing to release, and no unlock to send.
						cancelled = true
						return nil
					}
					_, err := inv.RequestStatus(target, now)
					return err
				})
				if err != nil {
					return err
				}
				if file {
					continue
				}
				if cancelled {
					r.NoteCancelled(actor.ID(), inv, now)
					continue
				}
				changes = append(changes, changeOf(inv, target))
			}
			if err := tx.Outbox.Enqueue(ctx, changes, now); err != nil {
				return err
			}
			return publish(ctx, tx, reportEvent(r, now))
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.queued != nil {
		s.queued()
	}
	return s.details(ctx, out)
}

// checkNotCancelled re-reads the report's invoices in WeChat, one batch
// per channel, and refuses with invoice.cancelled when one is CANCEL,
// recording that status on the invoice.
func (s *Reports) checkNotCancelled(ctx context.Context, r *domain.Report) error {
	invs, err := s.invoices.GetMany(ctx, r.InvoiceIDs())
	if err != nil {
		return err
	}
	byChannel := map[domain.Channel][]*domain.Invoice{}
	for _, inv := range invs {
		if !inv.InWallet() {
			// A file invoice is cancelled only by a red file naming it.
			if inv.Status() == domain.StatusCancel {
				return domain.ErrInvoiceCancelled.With(map[string]any{"invoice_id": string(inv.ID()), "code": inv.BusinessID().String()})
			}
			continue
		}
		byChannel[inv.Channel()] = append(byChannel[inv.Channel()], inv)
	}
	for ch, group := range byChannel {
		wc, err := s.channels.Get(ch)
		if err != nil {
			return err
		}
		var results []InvoiceResult
		if err := withRetry(ctx, func() (err error) {
			results, err = wc.Invoices(ctx, refsOf(group))
			return err
		}); err != nil {
			return asDomainError(err)
		}
		if len(results) != len(group) {
			return domain.ErrWeChatUnavailable.WithMessage("WeChat did not answer for every invoice; nothing was changed, try again")
		}
		for i, res := range results {
			if res.Invoice == nil {
				// Approval closes for good: it needs WeChat to confirm
				// every invoice is still there and not cancelled.
				inv := group[i]
				details := map[string]any{"invoice_id": string(inv.ID()), "code": inv.BusinessID().String()}
				var we *WeChatError
				if asWeChatError(res.Err, &we) {
					details["errcode"] = we.Errcode
				}
				return domain.ErrWeChatUnavailable.WithMessage("WeChat could not confirm invoice " + inv.BusinessID().String() +
					"; nothing was changed, try again").With(details)
			}
			if res.Invoice.Status != domain.StatusCancel {
				continue
			}
			inv := group[i]
			if err := s.recordCancelled(ctx, inv.ID()); err != nil {
				return err
			}
			return domain.ErrInvoiceCancelled.With(map[string]any{"invoice_id": string(inv.ID()), "code": inv.BusinessID().String()})
		}
	}
	return nil
}

func (s *Reports) details(ctx context.Context, r *domain.Report) (*ReportDetails, error) {
	ds, err := s.detailsOf(ctx, []*domain.Report{r})
	if err != nil {
		return nil, err
	}
	return ds[0], nil
}

// detailsOf completes a page of reports with one read of all their
// invoices, one of their sync states and one of each person they name: a list of 20 reports made
// some 200 queries before, and was the slowest call of bench/load.
func (s *Reports) detailsOf(ctx context.Context, rs []*domain.Report) ([]*ReportDetails, error) {
	var ids []domain.InvoiceID
	for _, r := range rs {
		ids = append(ids, r.InvoiceIDs()...)
	}
	invs, err := s.invoices.GetMany(ctx, ids)
	if err != nil {
		if len(rs) == 1 {
			return nil, fmt.Errorf("invoices of report %s: %w", rs[0].ID(), err)
		}
		return nil, fmt.Errorf("invoices of reports: %w", err)
	}
	reportIDs := make([]domain.ReportID, len(rs))
	for i, r := range rs {
		reportIDs[i] = r.ID()
	}
	syncs, err := s.sync.SyncOf(ctx, reportIDs)
	if err != nil {
		return nil, err
	}
	// Each person once for the page: a list of one employee's reports
	// names the same two or three people on every row.
	known := map[domain.EmployeeID]*domain.Employee{}
	previews := map[domain.EmployeeID]*domain.Employee{}
	out := make([]*ReportDetails, len(rs))
	for i, r := range rs {
		n := len(r.InvoiceIDs())
		d := &ReportDetails{Report: r, Invoices: invs[:n:n], People: map[domain.EmployeeID]*domain.Employee{}, Sync: syncs[r.ID()]}
		invs = invs[n:]
		d.Plan = r.Plan()
		if !r.Status().PlanStored() {
			d.Plan, d.PlanError = s.preview(ctx, r, previews)
		}
		want := []domain.EmployeeID{r.EmployeeID(), r.ApproverID()}
		for _, h := range r.History() {
			want = append(want, h.Actor)
		}
		for _, id := range want {
			e, ok := known[id]
			if !ok && id != "" {
				if e, err = s.employees.Get(ctx, id); err != nil {
					e = nil // shown without a name, as before
				}
				known[id] = e
			}
			if e != nil {
				d.People[id] = e
			}
		}
		out[i] = d
	}
	return out, nil
}

// preview resolves the policy in force for a report not under review, to
// show who would approve it (DECISIONS 43). owners caches the page's
// owners.
func (s *Reports) preview(ctx context.Context, r *domain.Report, owners map[domain.EmployeeID]*domain.Employee) (domain.Plan, error) {
	owner, ok := owners[r.EmployeeID()]
	if !ok {
		var err error
		if owner, err = s.employees.Get(ctx, r.EmployeeID()); err != nil {
			return domain.Plan{}, err
		}
		owners[r.EmployeeID()] = owner
	}
	p, err := s.approvals.Resolve(ctx, owner, r.Total())
	if err != nil {
		return domain.Plan{}, err
	}
	return p.Preview(), nil
}
