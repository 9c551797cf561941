package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"gopkg.in/yaml.v3"
)

// DSN is a connection string (database DSN, Redis URL) that may carry a
// password. Printing or marshalling it masks the password and keeps the rest,
// so `baoxiao config` still shows where we connect. Reveal gives the full value.
type DSN string

// Reveal returns the full connection string, password included.
func (d DSN) Reveal() string { return string(d) }

// String returns the connection string with its password masked.
func (d DSN) String() string { return maskPassword(string(d)) }

// GoString keeps %#v from printing the password.
func (d DSN) GoString() string { return "config.DSN(" + strconv.Quote(d.String()) + ")" }

// LogValue implements slog.LogValuer.
func (d DSN) LogValue() slog.Value { return slog.StringValue(d.String()) }

// MarshalJSON implements json.Marshaler.
func (d DSN) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// MarshalText implements encoding.TextMarshaler.
func (d DSN) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// MarshalYAML implements yaml.Marshaler.
func (d DSN) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it keeps the full value.
func (d *DSN) UnmarshalText(b []byte) error {
	*d = DSN(b)
	return nil
}

// UnmarshalYAML implements yaml.Unmarshaler; it keeps the full value.
func (d *DSN) UnmarshalYAML(n *yaml.Node) error {
	var v string
	if err := n.Decode(&v); err != nil {
		return err
	}
	*d = DSN(v)
	return nil
}

// maskPassword hides the password of a URL (scheme://user:pass@host/…) or of
// a MySQL DSN (user:pass@tcp(host)/db). It splits the way mysql.ParseDSN does:
// the last '/' ends the address, the last '@' before it ends the user info.
func maskPassword(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		at := strings.LastIndex(rest[:end], "@")
		if at < 0 {
			return s
		}
		user, _, hasPass := strings.Cut(rest[:at], ":")
		if !hasPass {
			// redis://secret@host: a lone user part may be the password.
			return s[:i+3] + redacted + rest[at:]
		}
		return s[:i+3] + user + ":" + redacted + rest[at:]
	}
	slash := strings.LastIndex(s, "/")
	if slash < 0 {
		return s
	}
	at := strings.LastIndex(s[:slash], "@")
	if at < 0 {
		return s
	}
	user, _, hasPass := strings.Cut(s[:at], ":")
	if !hasPass {
		return s
	}
	return user + ":" + redacted + s[at:]
}

// normalizeMySQLDSN makes sure the DSN reads times as UTC time.Time values
// (see DECISIONS 17): it appends parseTime=true and loc=UTC when they are
// missing and refuses a DSN that sets them otherwise. Errors never quote the
// DSN, which holds a password.
func normalizeMySQLDSN(dsn string) (string, error) {
	if _, err := mysql.ParseDSN(dsn); err != nil {
		return "", fmt.Errorf("must be a MySQL DSN like user:password@tcp(host:3306)/baoxiao: %v", err)
	}
	slash := strings.LastIndex(dsn, "/")
	_, query, hasQuery := strings.Cut(dsn[slash+1:], "?")
	present := map[string]bool{}
	for p := range strings.SplitSeq(query, "&") {
		name, _, _ := strings.Cut(p, "=")
		present[name] = true
	}
	var add []string
	if !present["parseTime"] {
		add = append(add, "parseTime=true")
	}
	if !present["loc"] {
		add = append(add, "loc=UTC")
	}
	if len(add) > 0 {
		switch {
		case !hasQuery:
			dsn += "?"
		case query != "" && !strings.HasSuffix(query, "&"):
			dsn += "&"
		}
		dsn += strings.Join(add, "&")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("must be a MySQL DSN like user:password@tcp(host:3306)/baoxiao: %v", err)
	}
	if !cfg.ParseTime {
		return "", fmt.Errorf("parseTime must be true (DECISIONS 17)")
	}
	if cfg.Loc != time.UTC {
		return "", fmt.Errorf("loc must be UTC (DECISIONS 17), got %q", cfg.Loc.String())
	}
	return dsn, nil
}
