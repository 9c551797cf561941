package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Nonces remembers the open API's nonces and Yuanian signs for their
// replay window. The primary key makes the check atomic across instances:
// of two requests with one nonce, exactly one insert wins.
type Nonces struct{ db bun.IDB }

// NewNonces returns the nonce store on db.
func NewNonces(db bun.IDB) *Nonces { return &Nonces{db: db} }

type nonceRow struct {
	bun.BaseModel `bun:"table:open_api_nonces"`

	AppID     string `bun:",pk"`
	Nonce     string `bun:",pk"`
	ExpiresAt time.Time
}

// Remember records key until expires, or answers signature.replayed when
// it is remembered already. A key whose window has passed may be used
// again (it would carry a timestamp refused anyway).
func (s *Nonces) Remember(ctx context.Context, appID, key string, now, expires time.Time) error {
	row := nonceRow{AppID: appID, Nonce: key, ExpiresAt: expires.UTC()}
	_, err := s.db.NewInsert().Model(&row).Exec(ctx)
	if err == nil {
		return nil
	}
	if _, dup := uniqueViolation(err); !dup {
		return fmt.Errorf("remember nonce: %w", err)
	}
	res, err := s.db.NewUpdate().Model((*nonceRow)(nil)).Set("expires_at = ?", expires.UTC()).
		Where("app_id = ?", appID).Where("nonce = ?", key).Where("expires_at <= ?", now.UTC()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("renew nonce: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	return domain.ErrSignatureReplayed.WithMessage("this nonce (or sign) was already used; sign every request with a new one")
}

// DeleteExpired forgets nonces whose window has passed.
func (s *Nonces) DeleteExpired(ctx context.Context, now time.Time) error {
	if _, err := s.db.NewDelete().Model((*nonceRow)(nil)).Where("expires_at <= ?", now.UTC()).Exec(ctx); err != nil {
		return fmt.Errorf("delete expired nonces: %w", err)
	}
	return nil
}

var _ app.NonceStore = (*Nonces)(nil)
