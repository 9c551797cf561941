package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// QRLogins stores PC sign-in hand-offs (DECISIONS 4): hashes of their
// secrets, their state and, once confirmed, the phone's session.
type QRLogins struct{ db bun.IDB }

// NewQRLogins returns the QR sign-in store on db.
func NewQRLogins(db bun.IDB) *QRLogins { return &QRLogins{db: db} }

type qrLoginRow struct {
	bun.BaseModel `bun:"table:qr_logins"`

	TokenHash   string `bun:",pk"`
	BrowserHash string
	State       string
	EmployeeID  string
	Channel     string
	OpenID      string `bun:"openid"`
	CreatedAt   time.Time
	ExpiresAt   time.Time
	ScannedAt   time.Time `bun:",nullzero"`
	ConfirmedAt time.Time `bun:",nullzero"`
	UsedAt      time.Time `bun:",nullzero"`
}

func (r qrLoginRow) toApp() app.QRLogin {
	return app.QRLogin{
		TokenHash: r.TokenHash, BrowserHash: r.BrowserHash, State: app.QRLoginState(r.State),
		EmployeeID: domain.EmployeeID(r.EmployeeID), Channel: domain.Channel(r.Channel), OpenID: r.OpenID,
		CreatedAt: utc(r.CreatedAt), ExpiresAt: utc(r.ExpiresAt),
		ScannedAt: utc(r.ScannedAt), ConfirmedAt: utc(r.ConfirmedAt), UsedAt: utc(r.UsedAt),
	}
}

// Add stores a new hand-off.
func (s *QRLogins) Add(ctx context.Context, l app.QRLogin) error {
	row := qrLoginRow{
		TokenHash: l.TokenHash, BrowserHash: l.BrowserHash, State: string(l.State),
		EmployeeID: string(l.EmployeeID), Channel: string(l.Channel), OpenID: l.OpenID,
		CreatedAt: l.CreatedAt.UTC(), ExpiresAt: l.ExpiresAt.UTC(),
		ScannedAt: utc(l.ScannedAt), ConfirmedAt: utc(l.ConfirmedAt), UsedAt: utc(l.UsedAt),
	}
	if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("add QR sign-in: %w", err)
	}
	return nil
}

// ByToken loads a hand-off by the hash of its QR token.
func (s *QRLogins) ByToken(ctx context.Context, tokenHash string) (app.QRLogin, error) {
	return s.load(ctx, "token_hash", tokenHash)
}

// ByBrowser loads a hand-off by the hash of its browser secret.
func (s *QRLogins) ByBrowser(ctx context.Context, browserHash string) (app.QRLogin, error) {
	return s.load(ctx, "browser_hash", browserHash)
}

func (s *QRLogins) load(ctx context.Context, column, hash string) (app.QRLogin, error) {
	var r qrLoginRow
	if err := s.db.NewSelect().Model(&r).Where("? = ?", bun.Ident(column), hash).Scan(ctx); err != nil {
		return app.QRLogin{}, notFound(err, "QR sign-in")
	}
	return r.toApp(), nil
}

// Move changes a hand-off's state from one of from to to in one
// conditional UPDATE, only while it has not expired: of racing callers,
// exactly one sees a row change. bind, when set, records the confirming
// phone's session.
func (s *QRLogins) Move(ctx context.Context, tokenHash string, from []app.QRLoginState, to app.QRLoginState, bind *app.Session, now time.Time) (bool, error) {
	states := make([]string, len(from))
	for i, f := range from {
		states[i] = string(f)
	}
	now = now.UTC()
	q := s.db.NewUpdate().Model((*qrLoginRow)(nil)).Set("state = ?", string(to)).
		Where("token_hash = ?", tokenHash).Where("state IN (?)", bun.In(states)).Where("expires_at > ?", now)
	switch to {
	case app.QRLoginScanned:
		q = q.Set("scanned_at = ?", now)
	case app.QRLoginConfirmed:
		q = q.Set("confirmed_at = ?", now)
	case app.QRLoginUsed:
		q = q.Set("used_at = ?", now)
	}
	if bind != nil {
		q = q.Set("employee_id = ?", string(bind.EmployeeID)).Set("channel = ?", string(bind.Channel)).Set("openid = ?", bind.OpenID)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("move QR sign-in to %s: %w", to, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeleteBefore forgets hand-offs that expired before the cut-off.
func (s *QRLogins) DeleteBefore(ctx context.Context, before time.Time) error {
	if _, err := s.db.NewDelete().Model((*qrLoginRow)(nil)).Where("expires_at < ?", before.UTC()).Exec(ctx); err != nil {
		return fmt.Errorf("delete old QR sign-ins: %w", err)
	}
	return nil
}

var _ app.QRLoginStore = (*QRLogins)(nil)
