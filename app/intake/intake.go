// Package intake takes invoice files — 数电 XML, OFD, PDF, QR images and
// ZIP bundles of these — from every path that is not the wallet (upload,
// the mailbox, ERP files) into the one company-wide identity the wallet
// import uses (issue 16, DECISIONS 34, 40, 41). Each file answers on its
// own: imported, attached to the owner's invoice, duplicate, red, or
// unreadable; a file read only in part becomes an invoice that needs review.
package intake

import "github.com/baoxiao/baoxiao/domain"

// File is one received file as it arrived. Name is for display only and is
// never used as a path.
type File struct {
	Name string
	Data []byte
}

// Outcome is what became of one file (or one entry of a ZIP bundle).
type Outcome string

// The outcomes of a file.
const (
	Imported   Outcome = "imported"   // a new invoice (perhaps needing review)
	Attached   Outcome = "attached"   // the owner already held it: the file joined its originals
	Duplicate  Outcome = "duplicate"  // another employee holds it (invoice.duplicate)
	Refused    Outcome = "refused"    // red invoice, not an invoice, over a limit
	Unreadable Outcome = "unreadable" // no invoice could be read (invoice.unreadable)
)

// FileResult answers for one file or bundle entry.
type FileResult struct {
	File        string // the file name; "bundle.zip/entry.xml" for bundle entries
	Outcome     Outcome
	Invoice     *domain.Invoice // Imported and Attached
	NeedsReview []string        // fields the file did not give (Imported)
	Err         *domain.Error   // Duplicate, Refused, Unreadable: code, message, details
}
