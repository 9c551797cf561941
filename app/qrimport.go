package app

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/baoxiao/baoxiao/domain"
)

// QRState is where a PC QR import session is.
type QRState string

// The states: pending (the QR is shown), claimed (a phone opened it and is
// bound to it), importing (the phone's import runs), done (used up).
// Expiry is not a stored state: a session not done by its ExpiresAt is
// expired.
const (
	QRPending   QRState = "pending"
	QRClaimed   QRState = "claimed"
	QRImporting QRState = "importing"
	QRDone      QRState = "done"
	QRExpired   QRState = "expired" // shown, never stored
)

// QRSessionTTL bounds a session: the QR must be scanned and the import
// done within it.
const QRSessionTTL = 5 * time.Minute

// QRSession is a short-lived, single-use import session: a PC shows its
// QR, a phone opens the H5 import page bound to it, and what the phone
// imports appears on the PC (and under the session's bizCode in the open
// API).
type QRSession struct {
	Token       string // the capability in the QR's URL
	BizCode     string // 业务单据号: the Yuanian profile's content/bizCode
	CreatedBy   domain.EmployeeID
	AppID       string // the ERP app that asked (Yuanian grcode), else ""
	AnyEmployee bool   // whoever scans may import; else only CreatedBy
	State       QRState
	EmployeeID  domain.EmployeeID // the phone's user, once claimed
	Channel     domain.Channel
	CreatedAt   time.Time
	ExpiresAt   time.Time
	ClaimedAt   time.Time
	DoneAt      time.Time
}

// StateAt is the session's state as seen at now, expiry included.
func (s QRSession) StateAt(now time.Time) QRState {
	if s.State != QRDone && !now.Before(s.ExpiresAt) {
		return QRExpired
	}
	return s.State
}

// QR import errors.
var (
	ErrQRExpired = &domain.Error{Code: "qr.expired", Message: "this import QR code has expired; show a new one on the PC"}
	ErrQRUsed    = &domain.Error{Code: "qr.used", Message: "this import QR code has already been used; show a new one on the PC"}
)

// QRStore keeps import sessions and the invoices imported under a bizCode.
type QRStore interface {
	AddSession(ctx context.Context, s QRSession) error
	Session(ctx context.Context, token string) (QRSession, error)
	// CreatedSession finds the latest session with this bizCode that the
	// employee created.
	CreatedSession(ctx context.Context, bizCode string, by domain.EmployeeID) (QRSession, error)
	// Move changes the session's state from one of `from` to `to`,
	// binding employee and channel when given, and says whether it did.
	Move(ctx context.Context, token string, from []QRState, to QRState, employee domain.EmployeeID, ch domain.Channel, now time.Time) (bool, error)
	DeleteSessionsBefore(ctx context.Context, before time.Time) error
	BizCodeStore
}

// BizCodeStore links invoices to business document numbers (bizCode).
type BizCodeStore interface {
	LinkBizCode(ctx context.Context, bizCode, appID string, invoices []domain.InvoiceID, now time.Time) error
	InvoicesOfBizCode(ctx context.Context, bizCode string) ([]domain.InvoiceID, error)
	// BizCodes answers one bizCode of each invoice that has one (the
	// latest linked).
	BizCodes(ctx context.Context, invoices []domain.InvoiceID) (map[domain.InvoiceID]string, error)
}

// QRImports runs PC QR import sessions.
type QRImports struct {
	store     QRStore
	invoices  *Invoices
	employees EmployeeDirectory
	getter    InvoiceRepo
	clock     Clock
}

// NewQRImports returns the QR import service.
func NewQRImports(store QRStore, invoices *Invoices, repo InvoiceRepo, employees EmployeeDirectory, clock Clock) *QRImports {
	return &QRImports{store: store, invoices: invoices, getter: repo, employees: employees, clock: clock}
}

func newQRToken() string { return randomText(24) }

// newBizCode is a bizCode for a session nobody named: "QR" and 16
// characters that read well on a phone.
func newBizCode() string {
	return "QR" + strings.ToUpper(strings.NewReplacer("-", "X", "_", "Y").Replace(randomText(12)))
}

// Start opens a session for a signed-in PC user. Finance and admins may
// let anyone scan it (they help colleagues); an employee's session takes
// the same employee's phone only.
func (q *QRImports) Start(ctx context.Context, by domain.EmployeeID) (QRSession, error) {
	e, err := q.employees.Get(ctx, by)
	if err != nil || !e.Active() {
		return QRSession{}, domain.ErrAuthRequired
	}
	now := q.clock.Now()
	s := QRSession{
		Token: newQRToken(), BizCode: newBizCode(), CreatedBy: by, State: QRPending,
		AnyEmployee: e.HasRole(domain.RoleFinance) || e.HasRole(domain.RoleAdmin),
		CreatedAt:   now, ExpiresAt: now.Add(QRSessionTTL),
	}
	return s, q.store.AddSession(ctx, s)
}

// StartForApp opens a session for an ERP app (Yuanian grcode): bizCode is
// the ERP's document number, or a new one when empty. Anyone may scan it;
// the ERP reads the invoices back by bizCode.
func (q *QRImports) StartForApp(ctx context.Context, appID, bizCode string) (QRSession, error) {
	bizCode = strings.TrimSpace(bizCode)
	if bizCode == "" {
		bizCode = newBizCode()
	}
	if utf8.RuneCountInString(bizCode) > 64 || len(bizCode) > 64 {
		return QRSession{}, domain.Invalid("content", "at most 64 characters")
	}
	now := q.clock.Now()
	s := QRSession{
		Token: newQRToken(), BizCode: bizCode, AppID: appID, AnyEmployee: true, State: QRPending,
		CreatedAt: now, ExpiresAt: now.Add(QRSessionTTL),
	}
	return s, q.store.AddSession(ctx, s)
}

// Status is what the PC polls, by the session's bizCode: the session and
// the invoices imported under it so far. Only its creator sees it.
func (q *QRImports) Status(ctx context.Context, by domain.EmployeeID, bizCode string) (QRSession, []*domain.Invoice, error) {
	if by == "" || bizCode == "" {
		return QRSession{}, nil, domain.ErrNotFound
	}
	s, err := q.store.CreatedSession(ctx, bizCode, by)
	if err != nil {
		return QRSession{}, nil, err
	}
	s.State = s.StateAt(q.clock.Now())
	ids, err := q.store.InvoicesOfBizCode(ctx, s.BizCode)
	if err != nil {
		return QRSession{}, nil, err
	}
	invs, err := q.getter.GetMany(ctx, ids)
	if err != nil {
		return QRSession{}, nil, err
	}
	return s, invs, nil
}

// usable loads a session for the phone and refuses an expired, used or
// someone else's one with an error the phone can show.
func (q *QRImports) usable(ctx context.Context, sess Session, token string) (QRSession, error) {
	s, err := q.store.Session(ctx, token)
	if errors.Is(err, domain.ErrNotFound) {
		return QRSession{}, domain.ErrNotFound.WithMessage("no such import QR code; show a new one on the PC")
	}
	if err != nil {
		return QRSession{}, err
	}
	switch s.StateAt(q.clock.Now()) {
	case QRExpired:
		return QRSession{}, ErrQRExpired
	case QRDone, QRImporting:
		return QRSession{}, ErrQRUsed
	}
	if !s.AnyEmployee && s.CreatedBy != sess.EmployeeID {
		return QRSession{}, domain.ErrForbidden.WithMessage("this import QR code was shown to another employee; sign in as them, or ask finance")
	}
	if s.State == QRClaimed && s.EmployeeID != sess.EmployeeID {
		return QRSession{}, ErrQRUsed.WithMessage("another phone has already opened this import QR code")
	}
	return s, nil
}

// Open binds the session to the phone's user: from now on only they may
// import through it.
func (q *QRImports) Open(ctx context.Context, sess Session, token string) (QRSession, error) {
	s, err := q.usable(ctx, sess, token)
	if err != nil {
		return QRSession{}, err
	}
	if s.State == QRClaimed {
		return s, nil // the same phone again (a reload)
	}
	now := q.clock.Now()
	ok, err := q.store.Move(ctx, token, []QRState{QRPending}, QRClaimed, sess.EmployeeID, sess.Channel, now)
	if err != nil {
		return QRSession{}, err
	}
	if !ok {
		// Another phone won the race.
		return q.usable(ctx, sess, token)
	}
	s.State, s.EmployeeID, s.Channel, s.ClaimedAt = QRClaimed, sess.EmployeeID, sess.Channel, now
	return s, nil
}

// Import imports the phone's picks through the normal import, links them
// to the session's bizCode and uses the session up. If the import fails
// as a whole (WeChat unavailable), the session stays open for a retry.
func (q *QRImports) Import(ctx context.Context, sess Session, token string, items []ImportItem) (ImportResult, error) {
	s, err := q.Open(ctx, sess, token)
	if err != nil {
		return ImportResult{}, err
	}
	ok, err := q.store.Move(ctx, token, []QRState{QRClaimed}, QRImporting, sess.EmployeeID, s.Channel, q.clock.Now())
	if err != nil {
		return ImportResult{}, err
	}
	if !ok {
		return ImportResult{}, ErrQRUsed
	}
	res, err := q.invoices.Import(ctx, sess, items)
	if err != nil {
		// Nothing was imported: let the phone try again while it may.
		if _, merr := q.store.Move(context.WithoutCancel(ctx), token, []QRState{QRImporting}, QRClaimed, sess.EmployeeID, s.Channel, q.clock.Now()); merr != nil {
			err = errors.Join(err, merr)
		}
		return ImportResult{}, err
	}
	ids := make([]domain.InvoiceID, len(res.Imported))
	for i, inv := range res.Imported {
		ids[i] = inv.ID()
	}
	now := q.clock.Now()
	if err := q.store.LinkBizCode(ctx, s.BizCode, s.AppID, ids, now); err != nil {
		return ImportResult{}, err
	}
	if _, err := q.store.Move(ctx, token, []QRState{QRImporting}, QRDone, sess.EmployeeID, s.Channel, now); err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// Tidy deletes sessions a day after they expired.
func (q *QRImports) Tidy(ctx context.Context) error {
	return q.store.DeleteSessionsBefore(ctx, q.clock.Now().Add(-24*time.Hour))
}
