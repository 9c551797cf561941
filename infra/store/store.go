package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/domain"
)

// Store gives the repositories, all bound to one connection or transaction.
type Store struct {
	db        bun.IDB
	Employees *Employees
	Invoices  *Invoices
	Reports   *Reports
	Outbox    *Outbox
	Events    *Events
}

// New returns repositories on db.
func New(db bun.IDB) *Store {
	return &Store{db: db, Employees: &Employees{db: db}, Invoices: &Invoices{db: db}, Reports: &Reports{db: db}, Outbox: &Outbox{db: db}, Events: &Events{db: db}}
}

// InTx runs fn with repositories bound to one transaction: everything fn
// does commits together or not at all. Use only fn's ctx and tx inside.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, tx *Store) error) error {
	return runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		return fn(ctx, New(tx))
	})
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.db.NewRaw("SELECT 1").Exec(ctx)
	return err
}

// versionCheck turns "no row updated" into a version conflict, or not
// found when the row is gone.
func versionCheck(res interface{ RowsAffected() (int64, error) }, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("update %s: %w", what, domain.ErrVersionConflict)
	}
	return nil
}

func notFound(err error, what string) error {
	if errors.Is(err, errNoRows) {
		return fmt.Errorf("%s: %w", what, domain.ErrNotFound)
	}
	return fmt.Errorf("load %s: %w", what, err)
}
