package intake

import "github.com/baoxiao/baoxiao/domain"

// Reading is one invoice read from a file or a bundle entry, as the reader
// (infra/intake) understood it. Facts carries what the file gave: identity,
// kind, date, amounts with their meaning, parties, lines.
type Reading struct {
	Name      string // display name: the file, or "bundle.zip/entry.xml"
	MediaType string
	Data      []byte // the bytes read: kept as the invoice's original
	Err       error  // the file or entry could not be read at all

	Facts       domain.InvoiceFacts
	Digital     bool     // the layout or QR kind says 数电 (no code)
	Missing     []string // fields the file did not give, for the employee to complete
	Red         bool     // a red (负数) invoice: refused (DECISIONS 41)
	RedMarks    []string
	RedOriginal string // the number of the blue invoice a red one cancels, where given
}

// Reader reads the invoices in one received file: one Reading for an
// invoice file, one per entry for a ZIP bundle. An error means the file as
// a whole is no invoice file (or over the bundle limits).
type Reader interface {
	Read(name string, data []byte) ([]Reading, error)
}

// blocking are the fields without which an invoice cannot be submitted:
// its identity, date and total. The others (buyer, check code, lines) are
// shown as missing but do not hold it up.
var blocking = map[string]bool{"code": true, "number": true, "issued_on": true, "total": true}

// incomplete reports whether the missing fields hold the invoice for review.
func incomplete(missing []string) bool {
	for _, f := range missing {
		if blocking[f] {
			return true
		}
	}
	return false
}
