package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Originals records invoices' original files (the bytes are in the
// storage driver) and queues the wallet PDF downloads (DECISIONS 11, 42).
type Originals struct{ db bun.IDB }

// NewOriginals returns the repository.
func NewOriginals(db bun.IDB) *Originals { return &Originals{db: db} }

type originalRow struct {
	bun.BaseModel `bun:"table:invoice_originals"`

	InvoiceID string `bun:",pk"`
	SHA256    string `bun:"sha256,pk"`
	Name      string
	MediaType string
	Size      int64
	Source    string
	CreatedAt time.Time
}

// AddOriginal records o; the same (invoice, sha256) again is a no-op.
func (s *Originals) AddOriginal(ctx context.Context, o domain.Original) error {
	row := originalRow{InvoiceID: string(o.InvoiceID), SHA256: o.SHA256, Name: o.Name, MediaType: o.MediaType,
		Size: o.Size, Source: string(o.Source), CreatedAt: o.CreatedAt.UTC()}
	_, err := s.db.NewInsert().Model(&row).Exec(ctx)
	if _, dup := uniqueViolation(err); dup {
		return nil
	}
	return err
}

// Originals lists the invoices' originals, oldest first.
func (s *Originals) Originals(ctx context.Context, ids ...domain.InvoiceID) (map[domain.InvoiceID][]domain.Original, error) {
	out := map[domain.InvoiceID][]domain.Original{}
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = string(id)
	}
	var rows []originalRow
	if err := s.db.NewSelect().Model(&rows).Where("invoice_id IN (?)", bun.In(keys)).
		OrderExpr("created_at, sha256").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load originals: %w", err)
	}
	for _, r := range rows {
		id := domain.InvoiceID(r.InvoiceID)
		out[id] = append(out[id], domain.Original{InvoiceID: id, SHA256: r.SHA256, Name: r.Name, MediaType: r.MediaType,
			Size: r.Size, Source: domain.OriginalSource(r.Source), CreatedAt: r.CreatedAt.UTC()})
	}
	return out, nil
}

type pdfFetchRow struct {
	bun.BaseModel `bun:"table:invoice_pdf_fetches"`

	InvoiceID  string `bun:",pk"`
	URL        string `bun:"url"`
	State      string
	Attempts   int
	NextAt     time.Time
	LeaseOwner string
	LeaseUntil bun.NullTime
	LastError  string
	UpdatedAt  time.Time
}

// queuePDF adds the download of inv's PDF, in the import's transaction.
func queuePDF(ctx context.Context, tx bun.IDB, inv *domain.Invoice) error {
	url := inv.Facts().PDFURL
	if url == "" {
		return nil
	}
	now := inv.ImportedAt().UTC()
	row := pdfFetchRow{InvoiceID: string(inv.ID()), URL: url, State: "pending", NextAt: now, UpdatedAt: now}
	if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("queue pdf of %s: %w", inv.ID(), err)
	}
	return nil
}

// ClaimPDF leases the oldest due pending download to owner.
func (s *Originals) ClaimPDF(ctx context.Context, owner string, now, until time.Time) (*app.PDFFetch, error) {
	now = now.UTC()
	for range 5 {
		var row pdfFetchRow
		err := s.db.NewSelect().Model(&row).Where("state = ?", "pending").Where("next_at <= ?", now).
			Where("lease_until IS NULL OR lease_until < ?", now).OrderExpr("next_at, invoice_id").Limit(1).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("claim pdf: %w", err)
		}
		res, err := s.db.NewUpdate().Model((*pdfFetchRow)(nil)).
			Set("lease_owner = ?", owner).Set("lease_until = ?", until.UTC()).
			Where("invoice_id = ?", row.InvoiceID).Where("state = ?", "pending").
			Where("lease_until IS NULL OR lease_until < ?", now).Exec(ctx)
		if err != nil {
			return nil, fmt.Errorf("claim pdf: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return &app.PDFFetch{InvoiceID: domain.InvoiceID(row.InvoiceID), URL: row.URL, Attempts: row.Attempts}, nil
		}
		// Another instance took it: look again.
	}
	return nil, nil
}

// FinishPDF records an attempt's outcome and releases the lease, if owner
// still holds it.
func (s *Originals) FinishPDF(ctx context.Context, id domain.InvoiceID, owner, state string, attempts int, next time.Time, lastError string) error {
	_, err := s.db.NewUpdate().Model((*pdfFetchRow)(nil)).
		Set("state = ?", state).Set("attempts = ?", attempts).Set("next_at = ?", next.UTC()).
		Set("last_error = ?", lastError).Set("lease_owner = ''").Set("lease_until = NULL").
		Set("updated_at = ?", time.Now().UTC()).
		Where("invoice_id = ?", string(id)).Where("lease_owner = ?", owner).Exec(ctx)
	if err != nil {
		return fmt.Errorf("finish pdf of %s: %w", id, err)
	}
	return nil
}

// PDFStatus answers where the invoice's PDF download stands, or nil.
func (s *Originals) PDFStatus(ctx context.Context, id domain.InvoiceID) (*app.PDFStatus, error) {
	var row pdfFetchRow
	err := s.db.NewSelect().Model(&row).Where("invoice_id = ?", string(id)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pdf status of %s: %w", id, err)
	}
	return &app.PDFStatus{State: row.State, Attempts: row.Attempts, LastError: row.LastError, UpdatedAt: row.UpdatedAt.UTC()}, nil
}

// InvoicesWithOriginal lists the invoices that hold a file with these
// bytes, oldest first: the same file arriving again is the same invoice,
// even when it could not be read far enough to know its number.
func (s *Originals) InvoicesWithOriginal(ctx context.Context, sum string) ([]domain.InvoiceID, error) {
	var ids []string
	if err := s.db.NewSelect().Table("invoice_originals").Column("invoice_id").Where("sha256 = ?", sum).
		OrderExpr("created_at, invoice_id").Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("invoices with original %s: %w", sum, err)
	}
	out := make([]domain.InvoiceID, len(ids))
	for i, id := range ids {
		out[i] = domain.InvoiceID(id)
	}
	return out, nil
}
