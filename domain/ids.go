package domain

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"regexp"
	"time"
)

// EmployeeID is chosen by people ("emp-li", "mgr-zhao"; DECISIONS 2).
type EmployeeID string

// InvoiceID and ReportID are generated: a prefix, the creation time and
// randomness, so they sort roughly by creation and never collide.
type (
	InvoiceID string
	ReportID  string
)

var employeeIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ParseEmployeeID checks the shape of a human-chosen id.
func ParseEmployeeID(s string) (EmployeeID, error) {
	if !employeeIDPattern.MatchString(s) {
		return "", Invalid("id", "must be 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	return EmployeeID(s), nil
}

// NewInvoiceID returns a fresh "inv_…" id.
func NewInvoiceID(now time.Time) InvoiceID { return InvoiceID(newID("inv_", now)) }

// NewReportID returns a fresh "rpt_…" id.
func NewReportID(now time.Time) ReportID { return ReportID(newID("rpt_", now)) }

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

func newID(prefix string, now time.Time) string {
	var b [15]byte // 6 bytes of milliseconds, 9 random: 24 base32 characters
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(b[:6], ms[2:])
	if _, err := rand.Read(b[6:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never happens on Linux
	}
	return prefix + idEncoding.EncodeToString(b[:])
}

// ReportNumber formats the human report number, BX-2026-000123.
func ReportNumber(year, seq int) string { return fmt.Sprintf("BX-%d-%06d", year, seq) }
