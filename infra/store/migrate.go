package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/baoxiao/baoxiao/migrations"
)

// Migrator applies the embedded migrations, serialised across instances.
type Migrator struct {
	db *bun.DB
	m  *migrate.Migrator
}

// NewMigrator prepares the migrations for db's dialect.
func NewMigrator(db *bun.DB) (*Migrator, error) {
	name := "sqlite"
	if isMySQL(db) {
		name = "mysql"
	}
	ms, err := migrations.For(name)
	if err != nil {
		return nil, err
	}
	return &Migrator{db: db, m: migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))}, nil
}

// lockWait bounds how long an instance waits for another one's migrations.
const lockWait = 2 * time.Minute

// Up applies every pending migration and returns their names. Several
// instances may start together: on MySQL a GET_LOCK (released when its
// connection closes, so a crash cannot leave it held) serialises them; on
// SQLite bun's lock row is retried, because bun's Lock fails at once.
func (m *Migrator) Up(ctx context.Context) ([]string, error) {
	var applied []string
	err := m.locked(ctx, func(ctx context.Context) error {
		g, err := m.m.Migrate(ctx)
		if err != nil {
			return err
		}
		for _, mg := range g.Migrations {
			applied = append(applied, mg.Name+"_"+mg.Comment)
		}
		return nil
	})
	return applied, err
}

// Down rolls back the last group of migrations.
func (m *Migrator) Down(ctx context.Context) ([]string, error) {
	var rolled []string
	err := m.locked(ctx, func(ctx context.Context) error {
		g, err := m.m.Rollback(ctx)
		if err != nil {
			return err
		}
		for _, mg := range g.Migrations {
			rolled = append(rolled, mg.Name+"_"+mg.Comment)
		}
		return nil
	})
	return rolled, err
}

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Name    string
	Applied bool
	At      time.Time
}

// Status lists every migration.
func (m *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	if err := m.m.Init(ctx); err != nil {
		return nil, err
	}
	ms, err := m.m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationStatus, 0, len(ms))
	for _, mg := range ms {
		out = append(out, MigrationStatus{Name: mg.Name + "_" + mg.Comment, Applied: mg.IsApplied(), At: mg.MigratedAt})
	}
	return out, nil
}

// Pending counts migrations not yet applied; readiness needs zero.
func (m *Migrator) Pending(ctx context.Context) (int, error) {
	ms, err := m.m.MigrationsWithStatus(ctx)
	if err != nil {
		return 0, err
	}
	return len(ms.Unapplied()), nil
}

func (m *Migrator) locked(ctx context.Context, fn func(ctx context.Context) error) error {
	if isMySQL(m.db) {
		return m.withMySQLLock(ctx, fn)
	}
	if err := m.m.Init(ctx); err != nil {
		return fmt.Errorf("init migrations: %w", err)
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := m.m.Lock(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("migrations are locked by another process for over %s; if none is running, delete the row in bun_migration_locks: %w", lockWait, err)
		}
		slog.InfoContext(ctx, "waiting for another instance's migrations")
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200*time.Millisecond + rand.N(300*time.Millisecond)):
		}
	}
	defer func() {
		// Unlock even when ctx was cancelled mid-migration.
		if err := m.m.Unlock(context.WithoutCancel(ctx)); err != nil {
			slog.ErrorContext(ctx, "unlock migrations", "err", err)
		}
	}()
	return fn(ctx)
}

func (m *Migrator) withMySQLLock(ctx context.Context, fn func(ctx context.Context) error) error {
	conn, err := m.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('baoxiao_migrate', ?)", int(lockWait.Seconds())).Scan(&got); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	if !got.Valid || got.Int64 != 1 {
		return errors.New("take migration lock: another instance held it for over " + lockWait.String())
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK('baoxiao_migrate')")
	}()
	if err := m.m.Init(ctx); err != nil {
		return fmt.Errorf("init migrations: %w", err)
	}
	return fn(ctx)
}

// Ready reports whether the database answers and every migration this
// binary knows is applied; until then the instance takes no traffic.
func (m *Migrator) Ready(ctx context.Context) error {
	if err := m.db.PingContext(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	n, err := m.Pending(ctx)
	if err != nil {
		return fmt.Errorf("read migration status: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%d migrations pending", n)
	}
	return nil
}
