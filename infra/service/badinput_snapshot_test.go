package service_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// logTables record requests rather than state: a refused request
// legitimately adds to them, so the "nothing changed" check skips them.
var logTables = map[string]string{
	// Every open API call is recorded with its outcome, refused ones too
	// (web/open.go record, the Yuanian handler): that is the audit trail.
	"open_api_calls": "records every ERP call, refused ones included",
	// A verified signature spends its nonce before the body is read, so a
	// replay of the same bad request is refused as a replay.
	"open_api_nonces": "a verified call spends its nonce",
	// A 4xx answer to a mutating ERP call is stored under its
	// Idempotency-Key, so a retry gets the same answer (STYLE 6).
	"open_api_idempotency": "4xx answers are stored under their key",
}

// tableState is one table's content: its rows rendered and sorted, so
// two states compare without knowing primary keys.
type tableState struct {
	rows []string
	hash [32]byte
}

// dbState maps table name to content.
type dbState map[string]tableState

// snapshot reads every table of the database (the product's and the
// embedded sandbox's: a bad request must not move WeChat either).
func snapshot(t testing.TB, db *bun.DB) dbState {
	t.Helper()
	ctx := context.Background()
	out := dbState{}
	for _, name := range tableNames(t, db) {
		if _, skip := logTables[name]; skip {
			continue
		}
		rows, err := db.QueryContext(ctx, "SELECT * FROM "+name)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		cols, _ := rows.Columns()
		var st tableState
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("scan %s: %v", name, err)
			}
			var b strings.Builder
			for i, v := range vals {
				if raw, ok := v.([]byte); ok {
					v = string(raw)
				}
				fmt.Fprintf(&b, "%s=%v;", cols[i], v)
			}
			st.rows = append(st.rows, b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		_ = rows.Close()
		slices.Sort(st.rows)
		st.hash = sha256.Sum256([]byte(strings.Join(st.rows, "\n")))
		out[name] = st
	}
	return out
}

func tableNames(t testing.TB, db *bun.DB) []string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if db.Dialect().Name() == dialect.MySQL {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
	}
	var names []string
	if err := db.NewRaw(q).Scan(context.Background(), &names); err != nil {
		t.Fatalf("list tables: %v", err)
	}
	slices.Sort(names)
	return names
}

// diff describes how after differs from before, table by table, with
// the rows that appeared or vanished; "" when they are equal.
func (before dbState) diff(after dbState) string {
	var b strings.Builder
	for name, a := range after {
		bt := before[name]
		if a.hash == bt.hash {
			continue
		}
		fmt.Fprintf(&b, "table %s: %d rows, was %d\n", name, len(a.rows), len(bt.rows))
		for _, r := range a.rows {
			if !slices.Contains(bt.rows, r) {
				fmt.Fprintf(&b, "  + %s\n", r)
			}
		}
		for _, r := range bt.rows {
			if !slices.Contains(a.rows, r) {
				fmt.Fprintf(&b, "  - %s\n", r)
			}
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			fmt.Fprintf(&b, "table %s vanished\n", name)
		}
	}
	return b.String()
}

// fingerprint is a cheap stand-in for snapshot, compared case by case: on
// MySQL one CHECKSUM TABLE over every table instead of reading them all
// (under -race that is most of the test's time); on SQLite, which reads
// in-process, the snapshot's hashes.
func fingerprint(t testing.TB, db *bun.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	if db.Dialect().Name() != dialect.MySQL {
		for name, st := range snapshot(t, db) {
			out[name] = fmt.Sprintf("%d:%x", len(st.rows), st.hash)
		}
		return out
	}
	var names []string
	for _, name := range tableNames(t, db) {
		if _, skip := logTables[name]; !skip {
			names = append(names, name)
		}
	}
	rows, err := db.QueryContext(context.Background(), "CHECKSUM TABLE "+strings.Join(names, ", "))
	if err != nil {
		t.Fatalf("checksum: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var sum *int64
		if err := rows.Scan(&name, &sum); err != nil {
			t.Fatalf("checksum: %v", err)
		}
		if sum == nil {
			t.Fatalf("checksum: table %s is missing", name)
		}
		out[name] = fmt.Sprint(*sum)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("checksum: %v", err)
	}
	return out
}
