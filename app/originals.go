package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// Blobs keeps file bytes by the SHA-256 of their content (lower-case hex).
// Put of bytes already held is a no-op. Open answers domain.ErrNotFound
// for an unknown hash and ErrBlobCorrupt when the stored bytes no longer
// hash to the name: never wrong bytes. Drivers: infra/storage (dir, db).
type Blobs interface {
	Put(ctx context.Context, sum string, data []byte) error
	Open(ctx context.Context, sum string) ([]byte, error)
	Has(ctx context.Context, sum string) (bool, error)
}

// ErrBlobCorrupt is stored bytes that no longer match their SHA-256.
var ErrBlobCorrupt = errors.New("stored file does not match its SHA-256")

// OriginalStore records which originals an invoice has.
type OriginalStore interface {
	// AddOriginal records o; the same (invoice, sha256) again is a no-op.
	AddOriginal(ctx context.Context, o domain.Original) error
	// Originals lists the originals of the invoices, oldest first.
	Originals(ctx context.Context, ids ...domain.InvoiceID) (map[domain.InvoiceID][]domain.Original, error)
}

// Originals stores invoices' original files and serves them to those who
// may see the invoice (issue 16, DECISIONS 42).
type Originals struct {
	invoices *Invoices
	store    OriginalStore
	blobs    Blobs
	pdfs     PDFStatusReader
	clock    Clock
}

// NewOriginals returns the originals use case. invoices decides who may
// see an invoice, so the same rule guards its files.
func NewOriginals(invoices *Invoices, store OriginalStore, blobs Blobs, pdfs PDFStatusReader, clock Clock) *Originals {
	return &Originals{invoices: invoices, store: store, blobs: blobs, pdfs: pdfs, clock: clock}
}

// Save stores data as an original of the invoice: the bytes first (by
// their hash), then the record, so a record never names missing bytes.
func (s *Originals) Save(ctx context.Context, id domain.InvoiceID, name, mediaType string, source domain.OriginalSource, data []byte) (domain.Original, error) {
	sum := sha256.Sum256(data)
	o := domain.Original{
		InvoiceID: id, SHA256: hex.EncodeToString(sum[:]), Name: name, MediaType: mediaType,
		Size: int64(len(data)), Source: source, CreatedAt: s.clock.Now().UTC(),
	}
	if err := s.blobs.Put(ctx, o.SHA256, data); err != nil {
		return domain.Original{}, fmt.Errorf("store original of %s: %w", id, err)
	}
	if err := s.store.AddOriginal(ctx, o); err != nil {
		return domain.Original{}, fmt.Errorf("record original of %s: %w", id, err)
	}
	return o, nil
}

// Of lists the originals of the invoices, for their views.
func (s *Originals) Of(ctx context.Context, ids ...domain.InvoiceID) (map[domain.InvoiceID][]domain.Original, error) {
	if len(ids) == 0 {
		return map[domain.InvoiceID][]domain.Original{}, nil
	}
	return s.store.Originals(ctx, ids...)
}

// PDFStatus is where the download of a wallet invoice's PDF stands.
func (s *Originals) PDFStatus(ctx context.Context, id domain.InvoiceID) (*PDFStatus, error) {
	if s.pdfs == nil {
		return nil, nil
	}
	return s.pdfs.PDFStatus(ctx, id)
}

// Which original Open serves.
const (
	PreferredOriginal = ""    // the preferred one (XML > OFD > PDF)
	PDFOriginal       = "pdf" // a PDF, for GET …/pdf
)

// Open returns an original of an invoice the employee may see: the one
// with the SHA-256 which names, or PreferredOriginal, or PDFOriginal. An
// invoice the employee may not see, or without such an original, is
// domain.ErrNotFound.
func (s *Originals) Open(ctx context.Context, by domain.EmployeeID, id domain.InvoiceID, which string) (domain.Original, []byte, error) {
	if _, err := s.invoices.Get(ctx, by, id); err != nil {
		return domain.Original{}, nil, err
	}
	all, err := s.store.Originals(ctx, id)
	if err != nil {
		return domain.Original{}, nil, err
	}
	var o domain.Original
	found := false
	switch which {
	case PreferredOriginal:
		o, found = domain.PreferredOriginal(all[id])
	case PDFOriginal:
		for _, c := range all[id] {
			if c.MediaType == "application/pdf" {
				o, found = c, true
				break
			}
		}
	default:
		for _, c := range all[id] {
			if c.SHA256 == which {
				o, found = c, true
				break
			}
		}
	}
	if !found {
		return domain.Original{}, nil, domain.ErrNotFound
	}
	data, err := s.blobs.Open(ctx, o.SHA256)
	if err != nil {
		return domain.Original{}, nil, fmt.Errorf("open original %s of %s: %w", o.SHA256, id, err)
	}
	return o, data, nil
}

// PDFStatus is the state of one wallet PDF download: pending, done or
// failed, with the attempts made and the last error.
type PDFStatus struct {
	State     string
	Attempts  int
	LastError string
	UpdatedAt time.Time
}

// PDFStatusReader answers where an invoice's PDF download stands (nil when
// there is none to do).
type PDFStatusReader interface {
	PDFStatus(ctx context.Context, id domain.InvoiceID) (*PDFStatus, error)
}
