package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Limits of one upload (DECISIONS 38). The request limit is the web layer's.
const (
	MaxFileSize = 10 << 20
	MaxFiles    = 50
)

// InvoiceStore is the invoice repository intake needs.
type InvoiceStore interface {
	Add(ctx context.Context, inv *domain.Invoice) error
	Get(ctx context.Context, id domain.InvoiceID) (*domain.Invoice, error)
	ByBusinessID(ctx context.Context, id domain.BusinessID) (*domain.Invoice, error)
	Update(ctx context.Context, id domain.InvoiceID, fn func(*domain.Invoice) error) (*domain.Invoice, error)
	UpdateFacts(ctx context.Context, id domain.InvoiceID, fn func(*domain.Invoice) error) (*domain.Invoice, error)
}

// OriginalIndex finds invoices by the bytes of a file they hold.
type OriginalIndex interface {
	InvoicesWithOriginal(ctx context.Context, sum string) ([]domain.InvoiceID, error)
}

// Originals keeps the files (app.Originals).
type Originals interface {
	Save(ctx context.Context, id domain.InvoiceID, name, mediaType string, source domain.OriginalSource, data []byte) (domain.Original, error)
}

// Duplicates describes the holder of an identity to someone else
// (app.Invoices.Duplicate: who, which report, nothing more).
type Duplicates interface {
	Duplicate(ctx context.Context, holder *domain.Invoice) *domain.Error
}

// Buyers are the company's buyer titles, for the title check.
type Buyers interface {
	Buyers(ctx context.Context) ([]domain.Party, error)
}

// ReportReader finds the report holding an invoice.
type ReportReader interface {
	Get(ctx context.Context, id domain.ReportID) (*domain.Report, error)
}

// Service takes files into invoices (issue 16).
type Service struct {
	reader    Reader
	invoices  InvoiceStore
	index     OriginalIndex
	originals Originals
	dups      Duplicates
	buyers    Buyers
	reports   ReportReader
	clock     app.Clock
}

// Deps are the Service's collaborators.
type Deps struct {
	Reader     Reader
	Invoices   InvoiceStore
	Index      OriginalIndex
	Originals  Originals
	Duplicates Duplicates
	Buyers     Buyers
	Reports    ReportReader
	Clock      app.Clock
}

// NewService returns the intake use case.
func NewService(d Deps) *Service {
	return &Service{reader: d.Reader, invoices: d.Invoices, index: d.Index, originals: d.Originals,
		dups: d.Duplicates, buyers: d.Buyers, reports: d.Reports, clock: d.Clock}
}

// Import reads each file and files what it holds for owner. Each file (and
// each bundle entry) answers on its own; an error is returned only when
// the store or storage fails, with the answers so far.
func (s *Service) Import(ctx context.Context, owner domain.EmployeeID, source domain.OriginalSource, files []File) ([]FileResult, error) {
	if _, err := invoiceSource(source); err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, domain.Invalid("files", "send at least one file")
	}
	if len(files) > MaxFiles {
		return nil, domain.Invalid("files", fmt.Sprintf("at most %d files at once", MaxFiles))
	}
	var out []FileResult
	for _, f := range files {
		if len(f.Data) > MaxFileSize {
			out = append(out, FileResult{File: f.Name, Outcome: Refused,
				Err: domain.ErrTooLarge.WithMessage(fmt.Sprintf("the file is over %d MiB", MaxFileSize>>20))})
			continue
		}
		readings, err := s.reader.Read(f.Name, f.Data)
		if err != nil {
			out = append(out, unreadable(f.Name, err))
			continue
		}
		for _, r := range readings {
			res, err := s.take(ctx, owner, source, r)
			if err != nil {
				return out, err
			}
			out = append(out, res)
		}
	}
	return out, nil
}

func invoiceSource(src domain.OriginalSource) (domain.InvoiceSource, error) {
	switch src {
	case domain.SourceUpload:
		return domain.FromUpload, nil
	case domain.SourceMail:
		return domain.FromMail, nil
	case domain.SourceERP:
		return domain.FromERP, nil
	}
	return "", fmt.Errorf("intake: %q is not a file source", src)
}

func unreadable(name string, err error) FileResult {
	return FileResult{File: name, Outcome: Unreadable,
		Err: domain.ErrInvoiceUnreadable.WithMessage("no invoice could be read from the file").
			With(map[string]any{"reason": err.Error()})}
}

// take files one reading: the same bytes or the same identity already held
// are that invoice (attached for its owner, a duplicate for anyone else);
// otherwise a new file invoice, with the file as its original.
func (s *Service) take(ctx context.Context, owner domain.EmployeeID, source domain.OriginalSource, r Reading) (FileResult, error) {
	if r.Err != nil {
		return unreadable(r.Name, r.Err), nil
	}
	if r.Red {
		return s.red(ctx, r)
	}
	sum := sha256.Sum256(r.Data)
	ids, err := s.index.InvoicesWithOriginal(ctx, hex.EncodeToString(sum[:]))
	if err != nil {
		return FileResult{}, err
	}
	if len(ids) > 0 {
		holder, err := s.invoices.Get(ctx, ids[0])
		if err != nil {
			return FileResult{}, err
		}
		return s.held(ctx, owner, source, holder, r)
	}
	if r.Facts.ID.Number != "" {
		holder, err := s.invoices.ByBusinessID(ctx, r.Facts.ID)
		switch {
		case err == nil:
			return s.held(ctx, owner, source, holder, r)
		case !errors.Is(err, domain.ErrNotFound):
			return FileResult{}, err
		}
	}

	buyers, err := s.buyers.Buyers(ctx)
	if err != nil {
		return FileResult{}, err
	}
	f := r.Facts
	f.Source, _ = invoiceSource(source)
	f.NeedsReview = incomplete(r.Missing)
	now := s.clock.Now()
	inv, err := domain.NewFileInvoice(domain.NewInvoiceID(now), owner, f, buyers, now)
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return FileResult{File: r.Name, Outcome: Refused, Err: de}, nil
		}
		return FileResult{}, err
	}
	if err := s.invoices.Add(ctx, inv); err != nil {
		// Lost a race for the identity: the winner holds it.
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.ErrInvoiceDuplicate.Code {
			if id, _ := de.Details["invoice_id"].(string); id != "" {
				if holder, herr := s.invoices.Get(ctx, domain.InvoiceID(id)); herr == nil {
					return s.held(ctx, owner, source, holder, r)
				}
			}
		}
		return FileResult{}, err
	}
	if _, err := s.originals.Save(ctx, inv.ID(), r.Name, r.MediaType, source, r.Data); err != nil {
		return FileResult{}, err
	}
	return FileResult{File: r.Name, Outcome: Imported, Invoice: inv, NeedsReview: r.Missing}, nil
}

// held answers a file whose invoice we already hold: its owner's file
// joins the invoice's originals; anyone else's is a duplicate.
func (s *Service) held(ctx context.Context, owner domain.EmployeeID, source domain.OriginalSource, holder *domain.Invoice, r Reading) (FileResult, error) {
	if holder.OwnerID() != owner {
		return FileResult{File: r.Name, Outcome: Duplicate, Err: s.dups.Duplicate(ctx, holder)}, nil
	}
	if _, err := s.originals.Save(ctx, holder.ID(), r.Name, r.MediaType, source, r.Data); err != nil {
		return FileResult{}, err
	}
	return FileResult{File: r.Name, Outcome: Attached, Invoice: holder}, nil
}

// red refuses a red invoice; one that names an invoice we hold marks that
// invoice cancelled, as a CANCEL event would (DECISIONS 41).
func (s *Service) red(ctx context.Context, r Reading) (FileResult, error) {
	details := map[string]any{"marks": r.RedMarks}
	if r.RedOriginal != "" {
		details["original_number"] = r.RedOriginal
		if inv, err := s.blueOf(ctx, r.RedOriginal); err != nil {
			return FileResult{}, err
		} else if inv != nil {
			if _, err := s.invoices.Update(ctx, inv.ID(), func(inv *domain.Invoice) error {
				inv.MarkCancelled(s.clock.Now())
				return nil
			}); err != nil {
				return FileResult{}, err
			}
			slog.InfoContext(ctx, "a red invoice cancels one we hold", "invoice_id", inv.ID(), "number", r.RedOriginal)
			details["cancelled_invoice_id"] = string(inv.ID())
		}
	}
	return FileResult{File: r.Name, Outcome: Refused, Err: domain.ErrInvoiceRed.With(details)}, nil
}

// blueOf finds the invoice a red one names. Only the number as written is
// looked up: a 20-digit number is never split into code and number.
func (s *Service) blueOf(ctx context.Context, number string) (*domain.Invoice, error) {
	inv, err := s.invoices.ByBusinessID(ctx, domain.BusinessID{Number: number})
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	return inv, err
}
