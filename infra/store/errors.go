package store

import (
	"errors"
	"strings"

	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"
)

// uniqueViolation reports whether err is a duplicate key, and on which
// index when the driver says (MySQL names the key; SQLite the columns).
func uniqueViolation(err error) (key string, ok bool) {
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1062 {
		// "Duplicate entry 'x' for key 'invoices.invoices_business_id'"
		if i := strings.LastIndex(me.Message, "for key '"); i >= 0 {
			key = strings.TrimSuffix(me.Message[i+len("for key '"):], "'")
			if j := strings.LastIndexByte(key, '.'); j >= 0 {
				key = key[j+1:]
			}
		}
		return key, true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		const constraintUnique, constraintPrimaryKey = 2067, 1555
		if se.Code() == constraintUnique || se.Code() == constraintPrimaryKey {
			// "UNIQUE constraint failed: invoices.invoice_code, invoices.invoice_number"
			msg := se.Error()
			if i := strings.Index(msg, "failed: "); i >= 0 {
				key = msg[i+len("failed: "):]
			}
			return key, true
		}
	}
	return "", false
}
