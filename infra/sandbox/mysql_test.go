package sandbox_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/baoxiao/baoxiao/infra/sandbox"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// TestMySQL runs the table creation, the status machine, a batch rollback
// and byte-exact lookups on MariaDB/MySQL (MYSQL_TEST_DSN), beside the
// product's own tables.
func TestMySQL(t *testing.T) {
	db := testkit.MySQL(t).DB
	ctx := context.Background()
	clk := newClock()
	e := newEnv(t, testkit.SandboxOn(t, db, withClock(clk, nil)...), clk)

	t.Run("tables are created once, codes compare byte-wise", func(t *testing.T) {
		again, err := sandbox.New(ctx, db, sandbox.Options{})
		if err != nil {
			t.Fatalf("second New on the same database: %v", err)
		}
		_ = again.Close()
		var coll string
		if err := db.NewRaw(`SELECT COLLATION_NAME FROM information_schema.COLUMNS
			WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'sandbox_invoices' AND COLUMN_NAME = 'encrypt_code'`).Scan(ctx, &coll); err != nil {
			t.Fatal(err)
		}
		must(t, coll == "utf8mb4_bin", "encrypt_code collation %q", coll)
		for _, table := range []string{"sandbox_tokens", "sandbox_tickets", "sandbox_users", "sandbox_departments", "sandbox_oauth_codes", "sandbox_invoices"} {
			var n int
			if err := db.NewRaw("SELECT COUNT(*) FROM "+table).Scan(ctx, &n); err != nil {
				t.Fatalf("%s: %v", table, err)
			}
		}
	})
	t.Run("status machine", func(t *testing.T) { statusMachine(t, e) })
	t.Run("queries and batches", func(t *testing.T) {
		oa := e.oaToken()
		li := demo("emp-li").OAOpenID
		w := e.wallet(li)
		must(t, len(w) >= 8, "wallet %d", len(w))
		lower := w[0]
		lower.EncryptCode = swapCase(lower.EncryptCode)
		_, r := e.getInvoice("oa", oa, lower)
		wantErrcode(t, r, 72031)
		a, b := e.newInvoice(li, "oa", nil), e.newInvoice(li, "oa", map[string]any{"reimburse_status": "LOCK"})
		wantErrcode(t, e.post(oaR+"updatestatusbatch", tok(oa), map[string]any{"openid": li, "reimburse_status": sLOCK,
			"invoice_list": []any{ref(a), ref(b)}}), 72023)
		s, _, _ := e.invoiceState(a.CardID, a.EncryptCode)
		must(t, s == sINIT, "rollback failed: %s", s)
	})
	t.Run("seed is idempotent", func(t *testing.T) {
		n := len(e.wallet(demo("emp-wang").WorkOpenID))
		if err := e.sb.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		must(t, len(e.wallet(demo("emp-wang").WorkOpenID)) == n, "reseed changed the wallet")
		users := e.ctl(http.MethodGet, "/users", nil)
		items, _ := users.JSON["items"].([]any)
		must(t, len(items) == demoIdentities(), "users %d, want %d", len(items), demoIdentities())
	})
}

func swapCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 32
		case c >= 'A' && c <= 'Z':
			b[i] = c + 32
		}
	}
	return string(b)
}
