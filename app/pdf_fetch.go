package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// PDFFetch is one wallet PDF to download (DECISIONS 11).
type PDFFetch struct {
	InvoiceID domain.InvoiceID
	URL       string
	Attempts  int // made before this one
}

// PDFQueue holds the wallet PDF downloads to do. The import writes a row
// in the invoice's transaction; rows are leased, so after a crash another
// pass (or instance) picks them up when the lease ends.
type PDFQueue interface {
	// ClaimPDF leases one due pending download to owner until until; nil
	// when none is due.
	ClaimPDF(ctx context.Context, owner string, now, until time.Time) (*PDFFetch, error)
	// FinishPDF records the outcome: state "done", "pending" (retry at
	// next) or "failed", after attempts attempts.
	FinishPDF(ctx context.Context, id domain.InvoiceID, owner, state string, attempts int, next time.Time, lastError string) error
}

// Downloader fetches a file over HTTP(S), at most max bytes.
type Downloader interface {
	Download(ctx context.Context, url string, max int64) (data []byte, mediaType string, err error)
}

// ErrDownloadHopeless marks a download that retrying will not fix (a 404,
// a file over the limit): it fails at once.
var ErrDownloadHopeless = errors.New("download cannot succeed")

// PDFFetcherOptions tune the PDF download worker.
type PDFFetcherOptions struct {
	ID          string        // lease owner
	Poll        time.Duration // how often to look for due downloads (default 5s)
	Timeout     time.Duration // per download (default 30s)
	MaxBytes    int64         // per file (default 10 MiB)
	MaxAttempts int           // then failed (default 6)
	// Backoff is the wait before attempt n+1 (default: doubling from 2s to
	// 10m, half random).
	Backoff func(n int) time.Duration
	Logger  *slog.Logger
}

// MaxPDFBytes bounds a downloaded wallet PDF.
const MaxPDFBytes = 10 << 20

// PDFFetcher downloads wallet PDFs in the background and stores them as
// originals (source wallet_pdf). Its Run is owned by the serve errgroup.
type PDFFetcher struct {
	queue     PDFQueue
	download  Downloader
	originals *Originals
	clock     Clock
	opts      PDFFetcherOptions
	wake      chan struct{}
}

// NewPDFFetcher returns the worker.
func NewPDFFetcher(queue PDFQueue, download Downloader, originals *Originals, clock Clock, opts PDFFetcherOptions) *PDFFetcher {
	if opts.Poll <= 0 {
		opts.Poll = 5 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = MaxPDFBytes
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 6
	}
	if opts.Backoff == nil {
		opts.Backoff = pdfBackoff
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &PDFFetcher{queue: queue, download: download, originals: originals, clock: clock, opts: opts, wake: make(chan struct{}, 1)}
}

// pdfBackoff doubles from 2s up to 10m; half is random so instances don't
// retry in step.
func pdfBackoff(n int) time.Duration {
	d := min(2*time.Second<<min(n, 10), 10*time.Minute)
	return d/2 + rand.N(d/2)
}

// Wake makes Run look for work now (after an import).
func (f *PDFFetcher) Wake() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Run downloads due PDFs until ctx ends.
func (f *PDFFetcher) Run(ctx context.Context) error {
	t := time.NewTicker(f.opts.Poll)
	defer t.Stop()
	for {
		for {
			did, err := f.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				f.opts.Logger.WarnContext(ctx, "pdf fetch", "error", err)
			}
			if !did || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-f.wake:
		}
	}
}

// RunOnce handles one due download and says whether there was one.
func (f *PDFFetcher) RunOnce(ctx context.Context) (bool, error) {
	now := f.clock.Now()
	job, err := f.queue.ClaimPDF(ctx, f.opts.ID, now, now.Add(f.opts.Timeout+time.Minute))
	if err != nil || job == nil {
		return false, err
	}
	attempts := job.Attempts + 1
	err = f.fetch(ctx, job)
	switch {
	case err == nil:
		return true, f.queue.FinishPDF(ctx, job.InvoiceID, f.opts.ID, "done", attempts, now, "")
	case ctx.Err() != nil:
		// Shutting down: the lease runs out and the next pass retries.
		return true, ctx.Err()
	case errors.Is(err, ErrDownloadHopeless) || attempts >= f.opts.MaxAttempts:
		f.opts.Logger.WarnContext(ctx, "pdf fetch failed", "invoice_id", job.InvoiceID, "attempts", attempts, "error", err)
		return true, f.queue.FinishPDF(ctx, job.InvoiceID, f.opts.ID, "failed", attempts, now, truncate(err.Error(), 500))
	default:
		next := f.clock.Now().Add(f.opts.Backoff(attempts))
		return true, f.queue.FinishPDF(ctx, job.InvoiceID, f.opts.ID, "pending", attempts, next, truncate(err.Error(), 500))
	}
}

func (f *PDFFetcher) fetch(ctx context.Context, job *PDFFetch) error {
	dctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	data, mediaType, err := f.download.Download(dctx, job.URL, f.opts.MaxBytes)
	if err != nil {
		return err
	}
	if len(data) < 5 || string(data[:5]) != "%PDF-" {
		return fmt.Errorf("%w: not a PDF (%s)", ErrDownloadHopeless, mediaType)
	}
	_, err = f.originals.Save(ctx, job.InvoiceID, string(job.InvoiceID)+".pdf", "application/pdf", domain.SourceWalletPDF, data)
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
