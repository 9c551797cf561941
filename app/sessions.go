package app

import (
	"context"
	"errors"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// A browser session (issue 15) is a signed cookie naming a row of the
// shared database; it lives while the row does and until it expires,
// whichever ends first. Every signed-in request reads the row by primary
// key, with no cache, so an end decided on one instance holds on all of
// them at their next request. What ends a session:
//   - logout (that session),
//   - a change of the employee's roles or their deactivation (all of the
//     employee's sessions, in the transaction of the change: the employee
//     store does it, whichever path made the change),
//   - an administrator's "sign out everywhere" (all of them),
//   - auth.session_ttl after the sign-in (no sliding renewal).

// SessionRecord is a session's row. Only a hash of the session id (the
// secret in the cookie) is kept, so a copy of the table signs nobody in.
type SessionRecord struct {
	IDHash     string
	EmployeeID domain.EmployeeID
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// SessionStore keeps the session rows. Get answers domain.ErrNotFound for
// a row that is not there; the deletes answer how many rows went.
type SessionStore interface {
	Add(ctx context.Context, r SessionRecord) error
	Get(ctx context.Context, idHash string) (SessionRecord, error)
	Delete(ctx context.Context, idHash string) error
	DeleteEmployee(ctx context.Context, id domain.EmployeeID) (int64, error)
	DeleteBefore(ctx context.Context, before time.Time) error
}

// OpenSession starts a session for s, lasting ttl: it answers s with the
// new session's ID, which only the cookie holds. Every sign-in (OAuth,
// sandbox, the PC's QR hand-off) goes through here.
func (a *Auth) OpenSession(ctx context.Context, s Session, ttl time.Duration) (Session, error) {
	now := a.clock.Now()
	s.ID = randomText(32)
	if err := a.sessions.Add(ctx, SessionRecord{
		IDHash: hashSecret(s.ID), EmployeeID: s.EmployeeID, CreatedAt: now, ExpiresAt: now.Add(ttl),
	}); err != nil {
		return Session{}, err
	}
	return s, nil
}

// CheckSession refuses a session that was ended or has expired, or whose
// employee was deactivated or removed since it was issued. It reads the
// database on every call: no instance may miss another's revocation.
func (a *Auth) CheckSession(ctx context.Context, s Session) error {
	if s.ID == "" {
		return domain.ErrAuthRequired
	}
	r, err := a.sessions.Get(ctx, hashSecret(s.ID))
	if errors.Is(err, domain.ErrNotFound) {
		return domain.ErrAuthRequired.WithMessage("your session has ended; sign in again")
	}
	if err != nil {
		return err
	}
	if r.EmployeeID != s.EmployeeID || !a.clock.Now().Before(r.ExpiresAt) {
		return domain.ErrAuthRequired.WithMessage("your session has ended; sign in again")
	}
	_, err = a.Actor(ctx, s)
	return err
}

// SignOut ends the session s (logout). Ending one already ended is no
// error.
func (a *Auth) SignOut(ctx context.Context, s Session) error {
	if s.ID == "" {
		return nil
	}
	return a.sessions.Delete(ctx, hashSecret(s.ID))
}

// SignOutEverywhere ends every session of employee id at their next
// request, on every device (administrators only). It answers how many
// sessions it ended.
func (a *Auth) SignOutEverywhere(ctx context.Context, by, id domain.EmployeeID) (int64, error) {
	if _, err := requireAdmin(ctx, a.employees, by); err != nil {
		return 0, err
	}
	if _, err := a.employees.Get(ctx, id); err != nil {
		return 0, err
	}
	return a.sessions.DeleteEmployee(ctx, id)
}

// TidySessions deletes the rows of sessions that expired a day ago.
func (a *Auth) TidySessions(ctx context.Context) error {
	return a.sessions.DeleteBefore(ctx, a.clock.Now().Add(-24*time.Hour))
}
