package app

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

func TestFinanceParams(t *testing.T) {
	f, err := FinanceParams{
		From: "2026-10-01", To: "2026-10-31", ReportStatus: "approved, none", WeChatStatus: "closure,INVOICE_REIMBURSE_LOCK",
		Employee: "emp-li", SellerTaxNumber: " 91440300MA5F7K2L3P ", MinAmount: "100", MaxAmount: "2000.50", Q: " 深圳 ",
	}.Parse()
	if err != nil {
		t.Fatal(err)
	}
	// Inclusive dates in China: from its midnight to the midnight after to.
	if want := time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC); !f.From.Equal(want) {
		t.Errorf("from %s, want %s", f.From, want)
	}
	if want := time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC); !f.To.Equal(want) {
		t.Errorf("to %s, want %s", f.To, want)
	}
	if f.DateField != IssuedOn || f.FromOn != "2026-10-01" || f.ToOn != "2026-10-31" {
		t.Errorf("%+v", f)
	}
	// approved brings paid along (DECISIONS 39).
	if len(f.ReportStatuses) != 3 || f.ReportStatuses[1] != domain.ReportPaid || f.ReportStatuses[2] != NoReport || len(f.WeChatStatuses) != 2 || f.WeChatStatuses[1] != domain.StatusLock {
		t.Errorf("statuses %v %v", f.ReportStatuses, f.WeChatStatuses)
	}
	if f.MinAmount.String() != "100.00" || f.MaxAmount.String() != "2000.50" || f.Q != "深圳" || f.SellerTaxNumber != "91440300MA5F7K2L3P" {
		t.Errorf("%+v", f)
	}

	for field, p := range map[string]FinanceParams{
		"date_field":    {DateField: "paid_on"},
		"from":          {From: "2026-02-30"},
		"to":            {From: "2026-10-02", To: "2026-10-01"},
		"report_status": {ReportStatus: "approved,deleted"},
		"wechat_status": {WeChatStatus: "PAID"},
		"employee":      {Employee: "Li Na"},
		"min_amount":    {MinAmount: "1.001"},
		"max_amount":    {MinAmount: "10", MaxAmount: "9.99"},
		"q":             {Q: string(make([]rune, 101))},
	} {
		_, err := p.Parse()
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != "request.invalid" || de.Details["fields"].(map[string]string)[field] == "" {
			t.Errorf("%s: %v", field, err)
		}
	}
}

func TestExpectedStatusAndEvaluate(t *testing.T) {
	row := FinanceRow{InvoiceID: "inv_1", ReportID: "rpt_1", ReportNumber: "BX-2026-000001", ReportStatus: domain.ReportApproved, WeChatStatus: domain.StatusClosure}
	read := func(s domain.WeChatStatus) InvoiceResult { return InvoiceResult{Invoice: &FetchedInvoice{Status: s}} }
	for _, c := range []struct {
		report   domain.ReportStatus
		recorded domain.WeChatStatus
		res      InvoiceResult
		kind     MismatchKind // "" for none
	}{
		{domain.ReportApproved, domain.StatusClosure, read(domain.StatusClosure), ""},
		{domain.ReportApproved, domain.StatusLock, read(domain.StatusLock), MismatchStatus},
		{domain.ReportApproved, domain.StatusLock, read(domain.StatusClosure), MismatchRecord},
		{domain.ReportSubmitted, domain.StatusLock, read(domain.StatusLock), ""},
		{domain.ReportSubmitted, domain.StatusLock, read(domain.StatusClosure), MismatchStatus},
		{domain.ReportRejected, domain.StatusInit, read(domain.StatusInit), ""},
		{"", domain.StatusInit, read(domain.StatusLock), MismatchStatus},
		{"", domain.StatusInit, read(domain.StatusCancel), MismatchCancelled},
		{domain.ReportDraft, domain.StatusInit, InvoiceResult{Err: &WeChatError{Kind: Refused, Errcode: 72031}}, MismatchUnreadable},
	} {
		r := row
		r.ReportStatus, r.WeChatStatus = c.report, c.recorded
		m, found := evaluate("rec_1", r, c.res)
		if found != (c.kind != "") || found && (m.Kind != c.kind || m.Expected != ExpectedStatus(c.report) || m.Reason == "") {
			t.Errorf("%s/%s/%+v: %v %+v", c.report, c.recorded, c.res.Invoice, found, m)
		}
	}
}

// fakeFinanceStore answers pages and remembers what it was asked.
type fakeFinanceStore struct{ rows []FinanceRow }

func (s *fakeFinanceStore) FinancePage(_ context.Context, f FinanceFilter, after *FinanceCursor, limit int) ([]FinanceRow, error) {
	start := 0
	if after != nil {
		for i, r := range s.rows {
			if r.InvoiceID == after.ID {
				start = i + 1
			}
		}
	}
	return s.rows[start:min(start+limit, len(s.rows))], nil
}

func (s *fakeFinanceStore) FinanceTotals(context.Context, FinanceFilter) (FinanceTotals, error) {
	return FinanceTotals{Count: int64(len(s.rows))}, nil
}

type staticEmployees map[domain.EmployeeID]*domain.Employee

func (e staticEmployees) Get(_ context.Context, id domain.EmployeeID) (*domain.Employee, error) {
	if emp, ok := e[id]; ok {
		return emp, nil
	}
	return nil, domain.ErrNotFound
}

func (e staticEmployees) ByLogin(context.Context, domain.Channel, string, string) (*domain.Employee, error) {
	return nil, domain.ErrNotFound
}

func (e staticEmployees) Update(context.Context, domain.EmployeeID, func(*domain.Employee) error) (*domain.Employee, error) {
	return nil, domain.ErrNotFound
}

func TestSearchPagesAndAccess(t *testing.T) {
	people := staticEmployees{}
	for id, role := range map[domain.EmployeeID]domain.Role{"fin": domain.RoleFinance, "boss": domain.RoleAdmin, "emp": domain.RoleEmployee} {
		people[id] = domain.RestoreEmployee(domain.EmployeeData{ID: id, Name: string(id), Roles: []domain.Role{role}, Active: true})
	}
	st := &fakeFinanceStore{}
	for i := range 5 {
		st.rows = append(st.rows, FinanceRow{InvoiceID: domain.InvoiceID(rune('a' + i)), IssuedAt: time.Unix(int64(i), 0)})
	}
	fin := NewFinance(FinanceDeps{Store: st, Employees: people})
	defer fin.Close()
	ctx := context.Background()
	f := FinanceFilter{DateField: IssuedOn}

	if _, err := fin.Search(ctx, "emp", f, nil, 2); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("employee: %v", err)
	}
	if _, err := fin.Totals(ctx, "nobody", f); !errors.Is(err, domain.ErrAuthRequired) {
		t.Errorf("unknown: %v", err)
	}
	var seen []domain.InvoiceID
	var after *FinanceCursor
	for pages := 0; pages < 5; pages++ {
		p, err := fin.Search(ctx, "boss", f, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Rows {
			seen = append(seen, r.InvoiceID)
		}
		if p.Next == nil {
			break
		}
		if !p.Next.At.Equal(p.Rows[1].IssuedAt) || p.Next.DateField != IssuedOn {
			t.Errorf("cursor %+v", p.Next)
		}
		after = p.Next
	}
	if string(seen[0])+string(seen[4]) != "ae" || len(seen) != 5 {
		t.Errorf("pages gave %v", seen)
	}
	if _, err := fin.Search(ctx, "fin", FinanceFilter{DateField: ApprovedOn}, &FinanceCursor{DateField: IssuedOn, ID: "a"}, 2); err == nil {
		t.Error("a cursor of another date field was taken")
	}
	if _, err := fin.Search(ctx, "fin", f, nil, 501); err == nil {
		t.Error("limit 501 taken")
	}
	if _, err := fin.StartReconcile(ctx, "fin", FinanceFilter{FromOn: "2026-10-01", ToOn: "2026-10-31"}); err == nil {
		t.Error("reconcile without its stores")
	}
}

// memRuns keeps runs in memory.
type memRuns struct {
	mu   sync.Mutex
	runs map[string]ReconcileRun
	ms   []Mismatch
}

func (m *memRuns) CreateRun(_ context.Context, run ReconcileRun) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.runs == nil {
		m.runs = map[string]ReconcileRun{}
	}
	m.runs[run.ID] = run
	return nil
}

func (m *memRuns) Progress(_ context.Context, id string, checked, pending int, found []Mismatch, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.runs[id]
	r.Checked, r.Pending, r.Mismatches, r.HeartbeatAt = checked, pending, r.Mismatches+len(found), now
	m.runs[id] = r
	for _, f := range found {
		f.ID = int64(len(m.ms) + 1)
		m.ms = append(m.ms, f)
	}
	return nil
}

func (m *memRuns) FinishRun(_ context.Context, id string, state ReconcileState, msg string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.runs[id]
	r.State, r.Error, r.FinishedAt = state, msg, now
	m.runs[id] = r
	return nil
}

func (m *memRuns) Run(_ context.Context, id string) (ReconcileRun, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.runs[id]
	if !ok {
		return r, domain.ErrNotFound
	}
	return r, nil
}

func (m *memRuns) Mismatches(_ context.Context, runID string, after int64, limit int) ([]Mismatch, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Mismatch
	for _, x := range m.ms {
		if x.RunID == runID && x.ID > after && len(out) < limit {
			out = append(out, x)
		}
	}
	return out, nil
}

func (m *memRuns) SetRepair(context.Context, int64, RepairState, string) error { return nil }

// flakyWeChat answers batch reads from statuses; the first `fail` calls
// fail as WeChat does when it is busy.
type flakyWeChat struct {
	WeChat
	mu       sync.Mutex
	statuses map[string]domain.WeChatStatus // by encrypt_code
	fail     int
	calls    int
}

func (w *flakyWeChat) Invoices(_ context.Context, refs []CardRef) ([]InvoiceResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls++
	out := make([]InvoiceResult, len(refs))
	busy := &WeChatError{Kind: Retryable, API: "getinvoicebatch", Errcode: -1}
	for i, ref := range refs {
		out[i].Ref = ref
		if w.calls <= w.fail {
			out[i].Err = busy
			continue
		}
		out[i].Invoice = &FetchedInvoice{Ref: ref, Status: w.statuses[ref.EncryptCode]}
	}
	if w.calls <= w.fail {
		return out, busy
	}
	return out, nil
}

func TestReconcileReadsInBatchesAndRetries(t *testing.T) {
	st := &fakeFinanceStore{}
	wc := &flakyWeChat{statuses: map[string]domain.WeChatStatus{}, fail: 2}
	for i := range 7 {
		code := string(rune('a' + i))
		row := FinanceRow{InvoiceID: domain.InvoiceID(code), Channel: domain.ChannelOA, Ref: CardRef{CardID: "c", EncryptCode: code},
			ReportStatus: domain.ReportApproved, WeChatStatus: domain.StatusClosure, Sync: InvoiceSynced}
		wc.statuses[code] = domain.StatusClosure
		st.rows = append(st.rows, row)
	}
	wc.statuses["b"] = domain.StatusLock // approval not delivered
	st.rows[6].Sync = InvoicePending     // skipped: on its way
	runs := &memRuns{}
	fin := NewFinance(FinanceDeps{Store: st, Runs: runs, Tx: noTx{}, Channels: Channels{domain.ChannelOA: wc},
		BatchSize: 2, CallsPerSecond: 1000, ReadRetry: time.Millisecond})
	defer fin.Close()
	run, err := fin.ReconcileNow(context.Background(), "cli", FinanceFilter{FromOn: "2026-10-01", ToOn: "2026-10-31"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if run.State != ReconcileDone || run.Checked != 6 || run.Pending != 1 || run.Mismatches != 1 || runs.ms[0].InvoiceID != "b" {
		t.Fatalf("run %+v, mismatches %+v", run, runs.ms)
	}
	// Three chunks of two, the first read three times (two busy answers).
	if wc.calls != 5 {
		t.Errorf("%d WeChat calls, want 5", wc.calls)
	}

	// WeChat busy for good: the run fails rather than call every invoice unreadable.
	wc.calls, wc.fail = 0, 1000
	run, err = fin.ReconcileNow(context.Background(), "cli", FinanceFilter{FromOn: "2026-10-01", ToOn: "2026-10-31"}, nil)
	if err != nil || run.State != ReconcileFailed || !strings.Contains(run.Error, "unavailable") || wc.calls != readAttempts {
		t.Fatalf("run %+v after %d calls: %v", run, wc.calls, err)
	}
}

type noTx struct{}

func (noTx) InTx(context.Context, func(context.Context, Repos) error) error { return nil }

// A paid report was approved: its invoices stay CLOSURE (DECISIONS 39).
func TestExpectedStatusOfPaid(t *testing.T) {
	if got := ExpectedStatus(domain.ReportPaid); got != domain.StatusClosure {
		t.Fatalf("paid expects %s", got)
	}
}
