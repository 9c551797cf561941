package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// QRLoginState is where a PC sign-in hand-off is (DECISIONS 4).
type QRLoginState string

// The states: pending (the PC shows the QR), scanned (a signed-in phone
// opened its link), confirmed (the phone's user said yes; the PC's poll
// now shows who that is and asks "sign in as X?"), used (the PC's user
// accepted and took the session), declined (the PC's user said no).
// Expiry is not stored: a hand-off not used by its ExpiresAt is expired.
//
// The PC's accept is the defence against a QR swap (login CSRF, issue
// 15): anyone who sees a PC's QR can confirm it on their own phone, but
// the PC is signed in only when the person at it agrees to be that
// employee.
const (
	QRLoginPending   QRLoginState = "pending"
	QRLoginScanned   QRLoginState = "scanned"
	QRLoginConfirmed QRLoginState = "confirmed"
	QRLoginUsed      QRLoginState = "used"
	QRLoginDeclined  QRLoginState = "declined"
	QRLoginExpired   QRLoginState = "expired" // shown, never stored
)

// QRLoginTTL bounds the whole hand-off: scan, confirm and the PC's poll
// (DECISIONS 4).
const QRLoginTTL = 2 * time.Minute

// QRLogin is one PC sign-in hand-off. Only hashes of its two secrets are
// kept: the token in the QR's link (anyone who sees the QR has it) and
// the browser secret that only the PC browser holds (in a cookie). The
// token lets a phone confirm; only the browser secret collects the
// session, so a photographed QR signs nobody in on another PC.
type QRLogin struct {
	TokenHash   string
	BrowserHash string
	State       QRLoginState
	// Who confirmed, on which channel: the PC gets this very session.
	EmployeeID  domain.EmployeeID
	Channel     domain.Channel
	OpenID      string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	ScannedAt   time.Time
	ConfirmedAt time.Time
	UsedAt      time.Time
}

// StateAt is the hand-off's state as seen at now, expiry included.
func (l QRLogin) StateAt(now time.Time) QRLoginState {
	if l.State != QRLoginUsed && l.State != QRLoginDeclined && !now.Before(l.ExpiresAt) {
		return QRLoginExpired
	}
	return l.State
}

// QR sign-in errors; qr.expired and qr.used are the import QR's codes,
// with messages of their own.
var (
	ErrQRLoginExpired = ErrQRExpired.WithMessage("this sign-in QR code has expired; show a new one on the PC")
	ErrQRLoginUsed    = ErrQRUsed.WithMessage("this sign-in QR code has already been used; show a new one on the PC")
	ErrQRLoginUnknown = domain.ErrNotFound.WithMessage("no such sign-in QR code; show a new one on the PC")
)

// QRLoginStore keeps the hand-offs. Move is the only way a state changes:
// it changes it from one of from to to, only before the hand-off expires,
// and says whether it did, so of two racing callers exactly one wins.
type QRLoginStore interface {
	Add(ctx context.Context, l QRLogin) error
	ByToken(ctx context.Context, tokenHash string) (QRLogin, error)
	ByBrowser(ctx context.Context, browserHash string) (QRLogin, error)
	// Move binds the phone's session when bind is set (the move to
	// confirmed).
	Move(ctx context.Context, tokenHash string, from []QRLoginState, to QRLoginState, bind *Session, now time.Time) (bool, error)
	DeleteBefore(ctx context.Context, before time.Time) error
}

// QRLogins runs PC sign-in by QR hand-off.
type QRLogins struct {
	store     QRLoginStore
	employees EmployeeDirectory
	clock     Clock
}

// NewQRLogins returns the QR sign-in service.
func NewQRLogins(store QRLoginStore, employees EmployeeDirectory, clock Clock) *QRLogins {
	return &QRLogins{store: store, employees: employees, clock: clock}
}

// QRLoginStart is a new hand-off's secrets, shown this once: the token
// goes into the QR's link, the browser secret into the PC's cookie.
type QRLoginStart struct {
	Token         string
	BrowserSecret string
	ExpiresAt     time.Time
}

// hashSecret is how both secrets are kept: 256 random bits need no salt
// or stretching, and a leaked table hands out neither.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Start opens a hand-off for a PC that is not signed in.
func (q *QRLogins) Start(ctx context.Context) (QRLoginStart, error) {
	now := q.clock.Now()
	s := QRLoginStart{Token: randomText(32), BrowserSecret: randomText(32), ExpiresAt: now.Add(QRLoginTTL)}
	l := QRLogin{
		TokenHash: hashSecret(s.Token), BrowserHash: hashSecret(s.BrowserSecret), State: QRLoginPending,
		CreatedAt: now, ExpiresAt: s.ExpiresAt,
	}
	if err := q.store.Add(ctx, l); err != nil {
		return QRLoginStart{}, err
	}
	return s, nil
}

// phone loads the hand-off behind a QR's token for a signed-in phone,
// refusing an unknown, expired or used one, and a phone whose employee is
// gone or deactivated.
func (q *QRLogins) phone(ctx context.Context, sess Session, token string) (QRLogin, error) {
	e, err := q.employees.Get(ctx, sess.EmployeeID)
	if errors.Is(err, domain.ErrNotFound) || err == nil && !e.Active() {
		return QRLogin{}, domain.ErrAuthRequired
	}
	if err != nil {
		return QRLogin{}, err
	}
	if token == "" {
		return QRLogin{}, ErrQRLoginUnknown
	}
	l, err := q.store.ByToken(ctx, hashSecret(token))
	if errors.Is(err, domain.ErrNotFound) {
		return QRLogin{}, ErrQRLoginUnknown
	}
	if err != nil {
		return QRLogin{}, err
	}
	switch l.StateAt(q.clock.Now()) {
	case QRLoginExpired:
		return QRLogin{}, ErrQRLoginExpired
	case QRLoginConfirmed, QRLoginUsed, QRLoginDeclined:
		return QRLogin{}, ErrQRLoginUsed
	}
	return l, nil
}

// Scan tells the PC that a phone opened the QR's link, so it can say
// "confirm on your phone". It binds nothing: the confirm does.
func (q *QRLogins) Scan(ctx context.Context, sess Session, token string) (QRLogin, error) {
	l, err := q.phone(ctx, sess, token)
	if err != nil {
		return QRLogin{}, err
	}
	if l.State == QRLoginScanned {
		return l, nil // a reload
	}
	now := q.clock.Now()
	ok, err := q.store.Move(ctx, l.TokenHash, []QRLoginState{QRLoginPending}, QRLoginScanned, nil, now)
	if err != nil {
		return QRLogin{}, err
	}
	if !ok {
		return q.phone(ctx, sess, token) // it moved meanwhile: say how
	}
	l.State, l.ScannedAt = QRLoginScanned, now
	return l, nil
}

// Confirm offers the PC a sign-in as the phone's user, on the phone's
// channel: the PC's poll then shows who, and the PC's user accepts (the
// session is handed over) or declines. A code is confirmed once.
func (q *QRLogins) Confirm(ctx context.Context, sess Session, token string) (QRLogin, error) {
	l, err := q.phone(ctx, sess, token)
	if err != nil {
		return QRLogin{}, err
	}
	now := q.clock.Now()
	ok, err := q.store.Move(ctx, l.TokenHash, []QRLoginState{QRLoginPending, QRLoginScanned}, QRLoginConfirmed, &sess, now)
	if err != nil {
		return QRLogin{}, err
	}
	if !ok {
		// Another phone confirmed first, or it expired meanwhile.
		if _, err := q.phone(ctx, sess, token); err != nil {
			return QRLogin{}, err
		}
		return QRLogin{}, ErrQRLoginUsed
	}
	l.State, l.EmployeeID, l.Channel, l.OpenID, l.ConfirmedAt = QRLoginConfirmed, sess.EmployeeID, sess.Channel, sess.OpenID, now
	return l, nil
}

// QRLoginPoll is what the PC's poll learns. Who is set once a phone
// confirmed: the employee the PC would sign in as, for the PC's user to
// accept or decline. Session is set only by Accept.
type QRLoginPoll struct {
	State     QRLoginState
	ExpiresAt time.Time
	Who       *domain.Employee
	Session   *Session
}

// browser loads the hand-off of the PC browser holding browserSecret.
func (q *QRLogins) browser(ctx context.Context, browserSecret string) (QRLogin, error) {
	if browserSecret == "" {
		return QRLogin{}, ErrQRLoginUnknown
	}
	l, err := q.store.ByBrowser(ctx, hashSecret(browserSecret))
	if errors.Is(err, domain.ErrNotFound) {
		return QRLogin{}, ErrQRLoginUnknown
	}
	return l, err
}

// who is the employee a confirmed hand-off would sign the PC in as,
// refusing one deactivated or removed since the confirm.
func (q *QRLogins) who(ctx context.Context, l QRLogin) (*domain.Employee, error) {
	e, err := q.employees.Get(ctx, l.EmployeeID)
	if errors.Is(err, domain.ErrNotFound) || err == nil && !e.Active() {
		return nil, domain.ErrAuthRequired.WithMessage("the account that confirmed is deactivated")
	}
	return e, err
}

// Poll is the PC asking, with its browser secret, how the hand-off goes.
// Once a phone confirmed, it answers who that is; it never hands over a
// session (Accept does).
func (q *QRLogins) Poll(ctx context.Context, browserSecret string) (QRLoginPoll, error) {
	l, err := q.browser(ctx, browserSecret)
	if err != nil {
		return QRLoginPoll{}, err
	}
	st := l.StateAt(q.clock.Now())
	switch st {
	case QRLoginUsed:
		return QRLoginPoll{}, ErrQRLoginUsed
	case QRLoginConfirmed:
		e, err := q.who(ctx, l)
		if err != nil {
			return QRLoginPoll{}, err
		}
		return QRLoginPoll{State: st, ExpiresAt: l.ExpiresAt, Who: e}, nil
	}
	return QRLoginPoll{State: st, ExpiresAt: l.ExpiresAt}, nil
}

// Accept is the PC's user agreeing to sign in as the employee who
// confirmed: it takes the session, by a conditional move, so of any
// number of racing accepts one gets it and the others are told the code
// is used.
func (q *QRLogins) Accept(ctx context.Context, browserSecret string) (QRLoginPoll, error) {
	l, err := q.browser(ctx, browserSecret)
	if err != nil {
		return QRLoginPoll{}, err
	}
	now := q.clock.Now()
	switch l.StateAt(now) {
	case QRLoginExpired:
		return QRLoginPoll{}, ErrQRLoginExpired
	case QRLoginUsed, QRLoginDeclined:
		return QRLoginPoll{}, ErrQRLoginUsed
	case QRLoginPending, QRLoginScanned:
		return QRLoginPoll{}, domain.ErrQRNotConfirmed
	}
	e, err := q.who(ctx, l)
	if err != nil {
		return QRLoginPoll{}, err
	}
	ok, err := q.store.Move(ctx, l.TokenHash, []QRLoginState{QRLoginConfirmed}, QRLoginUsed, nil, now)
	if err != nil {
		return QRLoginPoll{}, err
	}
	if !ok {
		return QRLoginPoll{}, ErrQRLoginUsed
	}
	return QRLoginPoll{State: QRLoginUsed, ExpiresAt: l.ExpiresAt, Who: e,
		Session: &Session{EmployeeID: l.EmployeeID, Channel: l.Channel, OpenID: l.OpenID}}, nil
}

// Decline is the PC's user refusing the hand-off (not them, or changed
// their mind): nobody is signed in with it, and the code is spent.
func (q *QRLogins) Decline(ctx context.Context, browserSecret string) (QRLoginPoll, error) {
	l, err := q.browser(ctx, browserSecret)
	if err != nil {
		return QRLoginPoll{}, err
	}
	now := q.clock.Now()
	switch l.StateAt(now) {
	case QRLoginExpired:
		return QRLoginPoll{}, ErrQRLoginExpired
	case QRLoginUsed:
		return QRLoginPoll{}, ErrQRLoginUsed
	case QRLoginDeclined:
		return QRLoginPoll{State: QRLoginDeclined, ExpiresAt: l.ExpiresAt}, nil
	}
	ok, err := q.store.Move(ctx, l.TokenHash, []QRLoginState{QRLoginPending, QRLoginScanned, QRLoginConfirmed}, QRLoginDeclined, nil, now)
	if err != nil {
		return QRLoginPoll{}, err
	}
	if !ok {
		return QRLoginPoll{}, ErrQRLoginUsed // accepted or expired meanwhile
	}
	return QRLoginPoll{State: QRLoginDeclined, ExpiresAt: l.ExpiresAt}, nil
}

// Tidy deletes hand-offs a day after they expired.
func (q *QRLogins) Tidy(ctx context.Context) error {
	return q.store.DeleteBefore(ctx, q.clock.Now().Add(-24*time.Hour))
}
