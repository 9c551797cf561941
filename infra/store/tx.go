package store

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
)

// txAttempts bounds how often a transaction InnoDB chose as a deadlock
// victim is run again.
const txAttempts = 5

// runInTx runs fn in a transaction on db; on a bun.Tx it nests (a
// savepoint), and the outermost transaction owns the retry.
//
// On MySQL/MariaDB the transaction is READ COMMITTED. Our transactions
// lock what they change (FOR UPDATE, version checks) and need no
// snapshot; at the default REPEATABLE READ a search that matches nothing,
// like the outbox's "supersede pending changes of these invoices", takes
// a gap lock that a concurrent insert into the same gap waits for, and
// two approvals deadlocked that way under load. InnoDB can still pick a
// deadlock victim (unique-key checks take locks too); its advice is to
// run the transaction again, so we do, a few times with jitter. fn must
// therefore be safe to run again: it only touches the database through
// tx and overwrites what it captures.
func runInTx(ctx context.Context, db bun.IDB, fn func(ctx context.Context, tx bun.Tx) error) error {
	top, ok := db.(*bun.DB)
	if !ok || !isMySQL(db) {
		return db.RunInTx(ctx, nil, fn)
	}
	opts := &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	for attempt := 1; ; attempt++ {
		err := top.RunInTx(ctx, opts, fn)
		if attempt == txAttempts || !isDeadlock(err) {
			return err
		}
		d := time.Duration(attempt) * 5 * time.Millisecond
		select {
		case <-ctx.Done():
			return err
		case <-time.After(d/2 + rand.N(d)):
		}
	}
}

// isDeadlock reports InnoDB's deadlock error: the transaction was rolled
// back whole and may simply run again.
func isDeadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}
