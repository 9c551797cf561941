package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
)

// Idempotency keeps the Idempotency-Keys of mutating open-API calls with
// the request's body hash and the answer sent.
type Idempotency struct{ db bun.IDB }

// NewIdempotency returns the idempotency store on db.
func NewIdempotency(db bun.IDB) *Idempotency { return &Idempotency{db: db} }

type idemRow struct {
	bun.BaseModel `bun:"table:open_api_idempotency"`

	AppID     string `bun:",pk"`
	IdemKey   string `bun:",pk"`
	Endpoint  string
	BodyHash  string
	State     string
	Status    int
	Response  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

const (
	idemPending = "pending"
	idemDone    = "done"
)

// Reserve implements app.IdempotencyStore. The insert is the lock: of two
// requests with one key, exactly one reserves it.
func (s *Idempotency) Reserve(ctx context.Context, appID, key, endpoint, bodyHash string, now, staleBefore time.Time) (*app.IdempotentAnswer, error) {
	row := idemRow{
		AppID: appID, IdemKey: key, Endpoint: endpoint, BodyHash: bodyHash, State: idemPending,
		CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
	}
	_, err := s.db.NewInsert().Model(&row).Exec(ctx)
	if err == nil {
		return nil, nil
	}
	if _, dup := uniqueViolation(err); !dup {
		return nil, fmt.Errorf("reserve idempotency key: %w", err)
	}
	var cur idemRow
	if err := s.db.NewSelect().Model(&cur).Where("app_id = ?", appID).Where("idem_key = ?", key).Scan(ctx); err != nil {
		if errors.Is(err, errNoRows) {
			// Released meanwhile: the caller may simply retry.
			return nil, app.ErrIdempotencyInProgress
		}
		return nil, fmt.Errorf("load idempotency key: %w", err)
	}
	if cur.Endpoint != endpoint || cur.BodyHash != bodyHash {
		return nil, app.ErrIdempotencyConflict.With(map[string]any{"endpoint": cur.Endpoint})
	}
	if cur.State == idemDone {
		return &app.IdempotentAnswer{Status: cur.Status, Body: []byte(cur.Response)}, nil
	}
	// Still pending: running elsewhere, or its instance died. A stale
	// reservation is taken over by exactly one retry.
	res, err := s.db.NewUpdate().Model((*idemRow)(nil)).Set("updated_at = ?", now.UTC()).
		Where("app_id = ?", appID).Where("idem_key = ?", key).
		Where("state = ?", idemPending).Where("updated_at < ?", staleBefore.UTC()).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("take over idempotency key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, nil
	}
	return nil, app.ErrIdempotencyInProgress
}

// Complete stores the answer of a reserved key.
func (s *Idempotency) Complete(ctx context.Context, appID, key string, ans app.IdempotentAnswer, now time.Time) error {
	_, err := s.db.NewUpdate().Model((*idemRow)(nil)).
		Set("state = ?", idemDone).Set("status = ?", ans.Status).Set("response = ?", string(ans.Body)).
		Set("updated_at = ?", now.UTC()).
		Where("app_id = ?", appID).Where("idem_key = ?", key).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store idempotent answer: %w", err)
	}
	return nil
}

// Release frees a reserved key that has no answer.
func (s *Idempotency) Release(ctx context.Context, appID, key string) error {
	_, err := s.db.NewDelete().Model((*idemRow)(nil)).
		Where("app_id = ?", appID).Where("idem_key = ?", key).Where("state = ?", idemPending).Exec(ctx)
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// DeleteBefore forgets keys created before the cut-off.
func (s *Idempotency) DeleteBefore(ctx context.Context, before time.Time) error {
	if _, err := s.db.NewDelete().Model((*idemRow)(nil)).Where("created_at < ?", before.UTC()).Exec(ctx); err != nil {
		return fmt.Errorf("delete old idempotency keys: %w", err)
	}
	return nil
}

var _ app.IdempotencyStore = (*Idempotency)(nil)
