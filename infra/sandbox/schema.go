package sandbox

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// The sandbox keeps its own tables: it runs standalone on its own database
// (DECISIONS 25), so it cannot rely on the product's migrations. Every
// string column that holds a WeChat code, openid, token or ticket compares
// byte-wise: SQLite does by default, MySQL tables use utf8mb4_bin
// (DECISIONS 17). Times are Unix milliseconds.

type column struct {
	name string
	typ  string // "bin(N)", "text", "bigint"
}

type index struct {
	name   string
	cols   string
	unique bool
}

type table struct {
	name    string
	cols    []column
	pk      string
	indexes []index
}

var tables = []table{
	{
		name: "sandbox_tokens",
		cols: []column{
			{"token", "bin(160)"}, {"channel", "bin(8)"}, {"appid", "bin(64)"}, {"kind", "bin(16)"},
			{"issued_ms", "bigint"}, {"expires_ms", "bigint"}, {"dies_ms", "bigint"}, {"expired", "bigint"},
		},
		pk:      "token",
		indexes: []index{{"sandbox_tokens_app", "channel, appid, kind", false}},
	},
	{
		name: "sandbox_tickets",
		cols: []column{
			{"ticket", "bin(160)"}, {"channel", "bin(8)"}, {"appid", "bin(64)"}, {"type", "bin(16)"},
			{"token", "bin(160)"}, {"pinned", "bigint"}, {"issued_ms", "bigint"}, {"expires_ms", "bigint"},
		},
		pk:      "ticket",
		indexes: []index{{"sandbox_tickets_app", "channel, appid, type", false}},
	},
	{
		name: "sandbox_users",
		cols: []column{
			{"channel", "bin(8)"}, {"appid", "bin(64)"}, {"openid", "bin(64)"}, {"userid", "bin(64)"},
			{"employee_id", "bin(64)"}, {"name", "bin(128)"}, {"department", "bin(128)"},
			{"manager_id", "bin(64)"}, {"member", "bigint"}, {"created_ms", "bigint"}, {"seq", "bigint"},
		},
		pk: "channel, appid, openid",
	},
	{
		name: "sandbox_departments",
		cols: []column{
			{"corpid", "bin(64)"}, {"id", "bigint"}, {"name", "bin(128)"}, {"parent_id", "bigint"}, {"sort_order", "bigint"},
		},
		pk: "corpid, id",
	},
	{
		name: "sandbox_oauth_codes",
		cols: []column{
			{"code", "bin(64)"}, {"channel", "bin(8)"}, {"appid", "bin(64)"}, {"openid", "bin(64)"},
			{"userid", "bin(64)"}, {"scope", "bin(32)"}, {"created_ms", "bigint"}, {"used", "bigint"},
		},
		pk: "code",
	},
	{
		name: "sandbox_invoices",
		cols: []column{
			{"encrypt_code", "bin(128)"}, {"card_id", "bin(64)"}, {"code", "bin(64)"}, {"channel", "bin(8)"},
			{"owner_openid", "bin(64)"}, {"issuer_appid", "bin(64)"}, {"reimburse_status", "bin(32)"},
			{"locked_by_appid", "bin(64)"}, {"billing_no", "bin(64)"}, {"billing_code", "bin(64)"},
			{"fee", "bigint"}, {"invoice_type", "bin(128)"}, {"payee", "bin(255)"},
			{"begin_time", "bigint"}, {"end_time", "bigint"}, {"order_id", "bin(128)"},
			{"data", "text"}, {"seq", "bigint"}, {"created_ms", "bigint"}, {"updated_ms", "bigint"},
		},
		pk: "encrypt_code",
		indexes: []index{
			{"sandbox_invoices_code", "code", true},
			{"sandbox_invoices_owner", "owner_openid, seq", false},
			{"sandbox_invoices_billing", "billing_code, billing_no", false},
		},
	},
}

func createSchema(ctx context.Context, db bun.IDB) error {
	mysql := db.Dialect().Name() == dialect.MySQL
	for _, t := range tables {
		for _, stmt := range t.ddl(mysql) {
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
		}
	}
	return nil
}

func (t table) ddl(mysql bool) []string {
	var defs []string
	for _, c := range t.cols {
		defs = append(defs, c.name+" "+colType(c.typ, mysql)+" NOT NULL")
	}
	defs = append(defs, "PRIMARY KEY ("+t.pk+")")
	if mysql {
		// MySQL has no CREATE INDEX IF NOT EXISTS: declare them inline.
		for _, ix := range t.indexes {
			kw := "INDEX"
			if ix.unique {
				kw = "UNIQUE INDEX"
			}
			defs = append(defs, kw+" "+ix.name+" ("+ix.cols+")")
		}
		return []string{"CREATE TABLE IF NOT EXISTS " + t.name + " (\n  " + strings.Join(defs, ",\n  ") +
			"\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"}
	}
	stmts := []string{"CREATE TABLE IF NOT EXISTS " + t.name + " (\n  " + strings.Join(defs, ",\n  ") + "\n)"}
	for _, ix := range t.indexes {
		kw := "INDEX"
		if ix.unique {
			kw = "UNIQUE INDEX"
		}
		stmts = append(stmts, "CREATE "+kw+" IF NOT EXISTS "+ix.name+" ON "+t.name+" ("+ix.cols+")")
	}
	return stmts
}

func colType(typ string, mysql bool) string {
	switch {
	case strings.HasPrefix(typ, "bin("):
		if mysql {
			return "VARCHAR" + strings.TrimPrefix(typ, "bin") + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
		}
		return "TEXT"
	case typ == "text":
		if mysql {
			return "MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
		}
		return "TEXT"
	case typ == "bigint":
		if mysql {
			return "BIGINT"
		}
		return "INTEGER"
	}
	panic("sandbox: unknown column type " + typ)
}
