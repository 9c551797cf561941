package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Sessions stores browser sessions (issue 15): hashes of their ids, whose
// they are and until when.
type Sessions struct{ db bun.IDB }

// NewSessions returns the session store on db.
func NewSessions(db bun.IDB) *Sessions { return &Sessions{db: db} }

type sessionRow struct {
	bun.BaseModel `bun:"table:sessions"`

	IDHash     string `bun:",pk"`
	EmployeeID string
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// Add stores a new session.
func (s *Sessions) Add(ctx context.Context, r app.SessionRecord) error {
	row := sessionRow{IDHash: r.IDHash, EmployeeID: string(r.EmployeeID), CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
	if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("add session: %w", err)
	}
	return nil
}

// Get loads a session by the hash of its id: one primary-key read.
func (s *Sessions) Get(ctx context.Context, idHash string) (app.SessionRecord, error) {
	var r sessionRow
	if err := s.db.NewSelect().Model(&r).Where("id_hash = ?", idHash).Scan(ctx); err != nil {
		return app.SessionRecord{}, notFound(err, "session")
	}
	return app.SessionRecord{IDHash: r.IDHash, EmployeeID: domain.EmployeeID(r.EmployeeID), CreatedAt: utc(r.CreatedAt), ExpiresAt: utc(r.ExpiresAt)}, nil
}

// Delete ends one session.
func (s *Sessions) Delete(ctx context.Context, idHash string) error {
	if _, err := s.db.NewDelete().Model((*sessionRow)(nil)).Where("id_hash = ?", idHash).Exec(ctx); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteEmployee ends every session of an employee.
func (s *Sessions) DeleteEmployee(ctx context.Context, id domain.EmployeeID) (int64, error) {
	return deleteSessionsOf(ctx, s.db, id)
}

func deleteSessionsOf(ctx context.Context, db bun.IDB, id domain.EmployeeID) (int64, error) {
	res, err := db.NewDelete().Model((*sessionRow)(nil)).Where("employee_id = ?", string(id)).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("end the sessions of %s: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// DeleteBefore deletes sessions that expired before the given time.
func (s *Sessions) DeleteBefore(ctx context.Context, before time.Time) error {
	if _, err := s.db.NewDelete().Model((*sessionRow)(nil)).Where("expires_at < ?", before.UTC()).Exec(ctx); err != nil {
		return fmt.Errorf("tidy sessions: %w", err)
	}
	return nil
}
