package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// ReconcileState is where a reconciliation run is.
type ReconcileState string

// The run states.
const (
	ReconcileRunning ReconcileState = "running"
	ReconcileDone    ReconcileState = "done"
	ReconcileFailed  ReconcileState = "failed"
)

// MismatchKind says how our records and WeChat disagree.
type MismatchKind string

// The kinds.
const (
	// MismatchStatus: WeChat's status is not the one our report calls for.
	MismatchStatus MismatchKind = "status"
	// MismatchCancelled: the issuer red-flushed (冲红) the invoice.
	MismatchCancelled MismatchKind = "cancelled"
	// MismatchUnreadable: WeChat could not read the invoice.
	MismatchUnreadable MismatchKind = "unreadable"
	// MismatchRecord: WeChat agrees with the report, but the status we
	// stored for the invoice lags behind.
	MismatchRecord MismatchKind = "record"
)

// RepairState is what a repair did about one mismatch.
type RepairState string

// The repair states; "" is not yet repaired.
const (
	RepairQueued   RepairState = "queued"      // the missing change is in the outbox
	RepairRecorded RepairState = "recorded"    // our stored status now says what WeChat says
	RepairHuman    RepairState = "needs_human" // nothing we may do: final in WeChat, or unreadable
	RepairStale    RepairState = "stale"       // the invoice or its report changed since the run
)

// ReconcileRun is one comparison of our invoices in a date range with
// WeChat.
type ReconcileRun struct {
	ID           string
	DateField    DateField
	FromOn, ToOn string
	State        ReconcileState
	Checked      int // invoices compared so far
	Pending      int // skipped: a queued change is still on its way
	Mismatches   int
	Error        string
	RequestedBy  domain.EmployeeID
	CreatedAt    time.Time
	HeartbeatAt  time.Time
	FinishedAt   time.Time
}

// Mismatch is one invoice on which our records and WeChat disagree.
type Mismatch struct {
	ID           int64
	RunID        string
	InvoiceID    domain.InvoiceID
	ReportID     domain.ReportID
	ReportNumber string
	ReportStatus domain.ReportStatus // "" when in no report
	Expected     domain.WeChatStatus // what our report calls for ("ours")
	Recorded     domain.WeChatStatus // what we stored for the invoice
	WeChat       domain.WeChatStatus // what WeChat says; "" when unreadable
	Kind         MismatchKind
	Reason       string
	Repair       RepairState
	RepairNote   string
}

// ReconcileStore keeps runs and their mismatches.
type ReconcileStore interface {
	CreateRun(ctx context.Context, run ReconcileRun) error
	// Progress sets the counts, adds the mismatches found since the last
	// call and beats the heartbeat.
	Progress(ctx context.Context, id string, checked, pending int, found []Mismatch, now time.Time) error
	FinishRun(ctx context.Context, id string, state ReconcileState, errMsg string, now time.Time) error
	Run(ctx context.Context, id string) (ReconcileRun, error)
	// Mismatches lists a run's mismatches after the given id, in order.
	Mismatches(ctx context.Context, runID string, afterID int64, limit int) ([]Mismatch, error)
	SetRepair(ctx context.Context, id int64, state RepairState, note string) error
}

// ErrRunNotFinished refuses a repair of a run still in progress.
var ErrRunNotFinished = &domain.Error{Code: "reconcile.running", Message: "the reconciliation run has not finished; repair it once it is done"}

// ExpectedStatus is the WeChat status a report's status calls for: an
// approved report's invoices are reimbursed (CLOSURE), a submitted one's
// locked, any other's (or no report's) unlocked. A paid report was
// approved: payment never touches WeChat (DECISIONS 39).
func ExpectedStatus(s domain.ReportStatus) domain.WeChatStatus {
	switch s {
	case domain.ReportApproved, domain.ReportPaid:
		return domain.StatusClosure
	case domain.ReportSubmitted:
		return domain.StatusLock
	}
	return domain.StatusInit
}

const (
	reconcilePage = 500
	// heartbeatStale: a running run whose heartbeat is older was cut off
	// (its instance stopped); pages beat far more often.
	heartbeatStale = 2 * time.Minute
	readAttempts   = 4
)

// reconciler runs reconciliations in the background; Finance owns it and
// Close waits for its goroutines.
type reconciler struct {
	fin      *Finance
	runs     ReconcileStore
	tx       TxRunner
	channels Channels
	fence    *Fence
	batch    int
	interval time.Duration
	retry    time.Duration
	queued   func()

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	next   time.Time // the earliest the next WeChat read may go
}

func newReconciler(f *Finance, d FinanceDeps) *reconciler {
	batch := d.BatchSize
	if batch <= 0 {
		batch = 50
	}
	cps := d.CallsPerSecond
	if cps <= 0 {
		cps = 5
	}
	retry := d.ReadRetry
	if retry <= 0 {
		retry = time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &reconciler{
		fin: f, runs: d.Runs, tx: d.Tx, channels: d.Channels, fence: d.Fence, batch: batch,
		interval: time.Duration(float64(time.Second) / cps), retry: retry, queued: d.Queued,
		ctx: ctx, cancel: cancel,
	}
}

// Close stops running reconciliations (they end as failed, "interrupted")
// and waits for them.
func (s *Finance) Close() error {
	s.rec.cancel()
	s.rec.wg.Wait()
	return nil
}

func (r *reconciler) ready() error {
	if r.runs == nil || r.tx == nil {
		return errors.New("reconciliation is not set up")
	}
	return nil
}

// StartReconcile stores a new run over the invoices whose date field lies
// in f's range and runs it in the background; poll it with Reconciliation.
func (s *Finance) StartReconcile(ctx context.Context, by domain.EmployeeID, f FinanceFilter) (ReconcileRun, error) {
	if err := s.authorize(ctx, by); err != nil {
		return ReconcileRun{}, err
	}
	run, err := s.rec.create(ctx, by, f)
	if err != nil {
		return ReconcileRun{}, err
	}
	s.rec.wg.Add(1)
	go func() {
		defer s.rec.wg.Done()
		s.rec.execute(s.rec.ctx, run, f, nil)
	}()
	return run, nil
}

// ReconcileNow runs a reconciliation to its end in the caller's goroutine,
// for the command line. progress, when set, hears the count checked.
func (s *Finance) ReconcileNow(ctx context.Context, requestedBy domain.EmployeeID, f FinanceFilter, progress func(checked int)) (ReconcileRun, error) {
	run, err := s.rec.create(ctx, requestedBy, f)
	if err != nil {
		return ReconcileRun{}, err
	}
	s.rec.execute(ctx, run, f, progress)
	return s.rec.runs.Run(context.WithoutCancel(ctx), run.ID)
}

func (r *reconciler) create(ctx context.Context, by domain.EmployeeID, f FinanceFilter) (ReconcileRun, error) {
	if err := r.ready(); err != nil {
		return ReconcileRun{}, err
	}
	if f.FromOn == "" {
		return ReconcileRun{}, domain.Invalid("from", "required, YYYY-MM-DD")
	}
	if f.ToOn == "" {
		return ReconcileRun{}, domain.Invalid("to", "required, YYYY-MM-DD")
	}
	now := r.fin.clock.Now()
	run := ReconcileRun{
		ID: newRunID(now), DateField: f.DateField, FromOn: f.FromOn, ToOn: f.ToOn,
		State: ReconcileRunning, RequestedBy: by, CreatedAt: now, HeartbeatAt: now,
	}
	if err := r.runs.CreateRun(ctx, run); err != nil {
		return ReconcileRun{}, err
	}
	return run, nil
}

var runIDEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// newRunID is "rec_" + milliseconds + randomness, like domain's ids.
func newRunID(now time.Time) string {
	var b [15]byte
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(b[:6], ms[2:])
	_, _ = rand.Read(b[6:])
	return "rec_" + runIDEncoding.EncodeToString(b[:])
}

// execute checks every invoice of the run and records the outcome. Its
// end is written even when ctx was cancelled.
func (r *reconciler) execute(ctx context.Context, run ReconcileRun, f FinanceFilter, progress func(int)) {
	err := r.check(ctx, run.ID, f, progress)
	state, msg := ReconcileDone, ""
	if err != nil {
		state = ReconcileFailed
		msg = "the run stopped: " + errorText(err)
		if ctx.Err() != nil {
			msg = "the run was interrupted (the service stopped); start a new one"
		}
		slog.ErrorContext(ctx, "reconciliation failed", "run", run.ID, "err", err)
	}
	if err := r.runs.FinishRun(context.WithoutCancel(ctx), run.ID, state, msg, r.fin.clock.Now()); err != nil {
		slog.ErrorContext(ctx, "record end of reconciliation", "run", run.ID, "err", err)
	}
}

// errorText is what a run may show of an error: a domain error's message,
// never SQL or URLs.
func errorText(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Message
	}
	var we *WeChatError
	if errors.As(err, &we) {
		return fmt.Sprintf("WeChat %s answered errcode %d", we.API, we.Errcode)
	}
	return "internal error (see the service log)"
}

func (r *reconciler) check(ctx context.Context, id string, f FinanceFilter, progress func(int)) error {
	var after *FinanceCursor
	checked, pending := 0, 0
	for {
		rows, err := r.fin.store.FinancePage(ctx, f, after, reconcilePage)
		if err != nil {
			return err
		}
		found, skipped, err := r.compare(ctx, id, rows)
		if err != nil {
			return err
		}
		checked += len(rows) - skipped
		pending += skipped
		if err := r.runs.Progress(ctx, id, checked, pending, found, r.fin.clock.Now()); err != nil {
			return err
		}
		if progress != nil {
			progress(checked + pending)
		}
		if len(rows) < reconcilePage {
			return nil
		}
		last := rows[len(rows)-1]
		after = &FinanceCursor{DateField: f.DateField, At: last.SortAt(f.DateField), ID: last.InvoiceID}
	}
}

// compare reads the rows' status in WeChat, a channel at a time in
// batches, and returns the mismatches. Rows with a change still queued are
// skipped: they are on their way.
func (r *reconciler) compare(ctx context.Context, runID string, rows []FinanceRow) ([]Mismatch, int, error) {
	byChannel := map[domain.Channel][]FinanceRow{}
	var channels []domain.Channel
	skipped := 0
	for _, row := range rows {
		if row.Sync == InvoicePending {
			skipped++
			continue
		}
		if row.Channel == "" {
			continue // a file invoice has no WeChat status to compare (DECISIONS 34)
		}
		if _, ok := byChannel[row.Channel]; !ok {
			channels = append(channels, row.Channel)
		}
		byChannel[row.Channel] = append(byChannel[row.Channel], row)
	}
	var found []Mismatch
	for _, ch := range channels {
		group := byChannel[ch]
		wc, err := r.channels.Get(ch)
		if err != nil {
			for _, row := range group {
				found = append(found, mismatchOf(runID, row, InvoiceResult{Err: err}))
			}
			continue
		}
		for i := 0; i < len(group); i += r.batch {
			chunk := group[i:min(i+r.batch, len(group))]
			results, err := r.read(ctx, wc, chunk)
			if err != nil {
				return nil, 0, err
			}
			for j, row := range chunk {
				if m, ok := evaluate(runID, row, results[j]); ok {
					found = append(found, m)
				}
			}
		}
	}
	return found, skipped, nil
}

// read asks WeChat for one chunk, paced by the rate limit, and asks again
// (up to readAttempts in all, backing off) for what failed for a passing
// reason. If nothing of the chunk could be read, WeChat is down and the
// run stops; otherwise what still fails is reported per invoice.
func (r *reconciler) read(ctx context.Context, wc WeChat, rows []FinanceRow) ([]InvoiceResult, error) {
	results := make([]InvoiceResult, len(rows))
	todo := make([]int, len(rows))
	for i, row := range rows {
		results[i].Ref = row.Ref
		todo[i] = i
	}
	wait := r.retry
	for attempt := 1; ; attempt++ {
		if err := r.pace(ctx); err != nil {
			return nil, err
		}
		refs := make([]CardRef, len(todo))
		for k, i := range todo {
			refs[k] = rows[i].Ref
		}
		got, err := wc.Invoices(ctx, refs)
		if len(got) != len(refs) {
			if err == nil {
				err = errors.New("WeChat answered a different number of invoices")
			}
			got = make([]InvoiceResult, len(refs))
			for k := range got {
				got[k] = InvoiceResult{Ref: refs[k], Err: err}
			}
		}
		var again []int
		for k, i := range todo {
			results[i] = got[k]
			if isTransient(got[k].Err) {
				again = append(again, i)
			}
		}
		if len(again) == 0 || attempt == readAttempts {
			if len(again) == len(rows) {
				return nil, asDomainError(results[again[0]].Err)
			}
			return results, nil
		}
		todo = again
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// pace waits until the next WeChat call is allowed.
func (r *reconciler) pace(ctx context.Context) error {
	r.mu.Lock()
	now := time.Now()
	at := now
	if r.next.After(now) {
		at = r.next
	}
	r.next = at.Add(r.interval)
	r.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
	return nil
}

// evaluate compares one invoice with WeChat's answer.
func evaluate(runID string, row FinanceRow, res InvoiceResult) (Mismatch, bool) {
	if res.Err != nil || res.Invoice == nil {
		return mismatchOf(runID, row, res), true
	}
	m := mismatchOf(runID, row, res)
	got := res.Invoice.Status
	switch {
	case got == domain.StatusCancel:
		m.Kind = MismatchCancelled
		m.Reason = "the issuer cancelled (红冲) the invoice in WeChat; " + reportPhrase(row) + " calls for " + string(m.Expected)
	case got != m.Expected:
		m.Kind = MismatchStatus
		m.Reason = fmt.Sprintf("%s calls for %s in WeChat, which says %s", reportPhrase(row), m.Expected, got)
		if got == domain.StatusClosure {
			m.Reason += "; CLOSURE is final in WeChat"
		}
	case row.WeChatStatus != got:
		m.Kind = MismatchRecord
		m.Reason = fmt.Sprintf("WeChat says %s as %s calls for, but our record says %s", got, reportPhrase(row), row.WeChatStatus)
	default:
		return Mismatch{}, false
	}
	return m, true
}

func mismatchOf(runID string, row FinanceRow, res InvoiceResult) Mismatch {
	m := Mismatch{
		RunID: runID, InvoiceID: row.InvoiceID, ReportID: row.ReportID, ReportNumber: row.ReportNumber,
		ReportStatus: row.ReportStatus, Expected: ExpectedStatus(row.ReportStatus), Recorded: row.WeChatStatus,
	}
	if res.Invoice != nil {
		m.WeChat = res.Invoice.Status
	}
	if res.Err != nil || res.Invoice == nil {
		m.Kind = MismatchUnreadable
		m.Reason = "WeChat could not read the invoice"
		var we *WeChatError
		if errors.As(res.Err, &we) {
			m.Reason += fmt.Sprintf(" (errcode %d)", we.Errcode)
		} else if res.Err != nil {
			m.Reason += ": " + errorText(res.Err)
		}
	}
	return m
}

func reportPhrase(row FinanceRow) string {
	if row.ReportID == "" {
		return "an invoice in no report"
	}
	return fmt.Sprintf("report %s (%s)", row.ReportNumber, row.ReportStatus)
}

// Reconciliation shows a run and a page of its mismatches after the given
// mismatch id. A run whose instance stopped mid-way is marked failed here.
func (s *Finance) Reconciliation(ctx context.Context, by domain.EmployeeID, id string, after int64, limit int) (ReconcileRun, []Mismatch, error) {
	if err := s.authorize(ctx, by); err != nil {
		return ReconcileRun{}, nil, err
	}
	if err := s.rec.ready(); err != nil {
		return ReconcileRun{}, nil, err
	}
	run, err := s.rec.runs.Run(ctx, id)
	if err != nil {
		return ReconcileRun{}, nil, err
	}
	if run.State == ReconcileRunning && s.clock.Now().Sub(run.HeartbeatAt) > heartbeatStale {
		msg := "the run was interrupted (its instance stopped); start a new one"
		if err := s.rec.runs.FinishRun(ctx, id, ReconcileFailed, msg, s.clock.Now()); err != nil {
			return ReconcileRun{}, nil, err
		}
		if run, err = s.rec.runs.Run(ctx, id); err != nil {
			return ReconcileRun{}, nil, err
		}
	}
	ms, err := s.rec.runs.Mismatches(ctx, id, after, limit)
	if err != nil {
		return ReconcileRun{}, nil, err
	}
	return run, ms, nil
}

// OperatorMismatches lists a run's mismatches, for the command line.
func (s *Finance) OperatorMismatches(ctx context.Context, id string, after int64, limit int) ([]Mismatch, error) {
	if err := s.rec.ready(); err != nil {
		return nil, err
	}
	return s.rec.runs.Mismatches(ctx, id, after, limit)
}

// Repair queues, through the outbox, the WeChat changes a finished run
// found missing, and corrects statuses we recorded wrongly. It never
// writes to WeChat itself, and leaves what WeChat cannot undo (CLOSURE,
// CANCEL) or could not read to a person. Each mismatch is checked again
// against the invoice and its report as they are now; repairing twice
// does nothing more.
func (s *Finance) Repair(ctx context.Context, by domain.EmployeeID, id string) (ReconcileRun, error) {
	if err := s.authorize(ctx, by); err != nil {
		return ReconcileRun{}, err
	}
	return s.RepairNow(ctx, id)
}

// RepairNow is Repair for the command line.
func (s *Finance) RepairNow(ctx context.Context, id string) (ReconcileRun, error) {
	r := s.rec
	if err := r.ready(); err != nil {
		return ReconcileRun{}, err
	}
	run, err := r.runs.Run(ctx, id)
	if err != nil {
		return ReconcileRun{}, err
	}
	if run.State != ReconcileDone {
		return ReconcileRun{}, ErrRunNotFinished.With(map[string]any{"state": string(run.State)})
	}
	queued := false
	var after int64
	for {
		ms, err := r.runs.Mismatches(ctx, id, after, 200)
		if err != nil {
			return ReconcileRun{}, err
		}
		for _, m := range ms {
			after = m.ID
			if m.Repair != "" {
				continue
			}
			state, note, err := r.repairOne(ctx, m)
			if err != nil {
				return ReconcileRun{}, err
			}
			queued = queued || state == RepairQueued
			if err := r.runs.SetRepair(ctx, m.ID, state, note); err != nil {
				return ReconcileRun{}, err
			}
		}
		if len(ms) < 200 {
			break
		}
	}
	if queued && r.queued != nil {
		r.queued()
	}
	return r.runs.Run(ctx, id)
}

// repairOne settles one mismatch in one transaction: the invoice's new
// status generation and its outbox row commit together (DECISIONS 7).
func (r *reconciler) repairOne(ctx context.Context, m Mismatch) (RepairState, string, error) {
	switch {
	case m.Kind == MismatchUnreadable:
		return RepairHuman, "WeChat could not read the invoice; check it by hand", nil
	case m.Kind == MismatchCancelled:
		return RepairHuman, "the issuer cancelled the invoice; CANCEL cannot be undone", nil
	case m.Kind == MismatchStatus && m.WeChat.Final():
		return RepairHuman, string(m.WeChat) + " is final in WeChat and cannot be undone", nil
	}
	var state RepairState
	var note string
	err := r.tx.InTx(ctx, func(ctx context.Context, tx Repos) error {
		inv, err := tx.Invoices.Get(ctx, m.InvoiceID)
		if errors.Is(err, domain.ErrNotFound) {
			state, note = RepairStale, "the invoice was deleted"
			return nil
		}
		if err != nil {
			return err
		}
		status := domain.ReportStatus("")
		if inv.ReportID() != "" {
			rep, err := tx.Reports.Get(ctx, inv.ReportID())
			if err != nil {
				return err
			}
			status = rep.Status()
		}
		if inv.ReportID() != m.ReportID || ExpectedStatus(status) != m.Expected {
			state, note = RepairStale, "the invoice's report changed since the run; run it again"
			return nil
		}
		now := r.fin.clock.Now()
		if m.Kind == MismatchRecord {
			if inv.Status() != m.Recorded {
				state, note = RepairStale, "our record changed since the run"
				return nil
			}
			state, note = RepairRecorded, "to record"
			return nil
		}
		var refused error
		inv, err = tx.Invoices.Update(ctx, inv.ID(), func(inv *domain.Invoice) error {
			if _, err := inv.RequestStatus(m.Expected, now); err != nil {
				refused = err
				return err
			}
			return nil
		})
		if refused != nil {
			state, note = RepairHuman, "our record says "+string(m.Recorded)+", which is final"
			return nil
		}
		if err != nil {
			return err
		}
		f := inv.Facts()
		state, note = RepairQueued, "queued "+string(m.Expected)+" through the outbox"
		return tx.Outbox.Enqueue(ctx, []StatusChange{{
			InvoiceID: inv.ID(), ReportID: inv.ReportID(), Channel: f.Channel, OpenID: f.OwnerOpenID,
			Ref: CardRef{CardID: f.CardID, EncryptCode: f.EncryptCode}, Target: m.Expected,
			Generation: inv.StatusGeneration(),
		}}, now)
	})
	if err == nil && state == RepairRecorded {
		state, note, err = r.recordNow(ctx, m)
	}
	if err != nil {
		return "", "", fmt.Errorf("repair invoice %s: %w", m.InvoiceID, err)
	}
	return state, note, nil
}

// recordNow corrects our record from a fresh read of WeChat, taken under
// the invoice's write claim so no write of ours is in flight: the run's
// read may predate a decision taken since (withdraw and resubmit leave
// the report's target as it was), and recording it would move our record
// backwards. The record moves only if no decision came after the read
// began.
func (r *reconciler) recordNow(ctx context.Context, m Mismatch) (RepairState, string, error) {
	if r.fence != nil {
		hold, busy, err := r.fence.TryHold(ctx, []domain.InvoiceID{m.InvoiceID})
		if err != nil {
			return "", "", err
		}
		defer hold.Release(ctx)
		if len(busy) > 0 {
			return RepairStale, "a status change is being sent to WeChat; run again", nil
		}
	}
	var inv *domain.Invoice
	err := r.tx.InTx(ctx, func(ctx context.Context, tx Repos) (err error) {
		inv, err = tx.Invoices.Get(ctx, m.InvoiceID)
		return err
	})
	if errors.Is(err, domain.ErrNotFound) {
		return RepairStale, "the invoice was deleted", nil
	}
	if err != nil {
		return "", "", err
	}
	wc, err := r.channels.Get(inv.Channel())
	if err != nil {
		return "", "", err
	}
	f := inv.Facts()
	cur, err := wc.Invoice(ctx, CardRef{CardID: f.CardID, EncryptCode: f.EncryptCode})
	if err != nil {
		return RepairHuman, "WeChat could not read the invoice now; run again", nil
	}
	var moved bool
	err = r.tx.InTx(ctx, func(ctx context.Context, tx Repos) error {
		_, err := tx.Invoices.Update(ctx, inv.ID(), func(got *domain.Invoice) error {
			moved = got.RecordObservedStatus(cur.Status, inv.StatusGeneration(), r.fin.clock.Now())
			return nil
		})
		return err
	})
	switch {
	case err != nil:
		return "", "", err
	case !moved && cur.Status != inv.Status():
		return RepairStale, "a newer decision was taken since; run again", nil
	}
	return RepairRecorded, "recorded " + string(cur.Status) + " as WeChat says", nil
}
