package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/baoxiao/baoxiao/app"
)

// HTTPDownloader downloads files with an http.Client, bounded in size.
type HTTPDownloader struct{ Client *http.Client }

// Download GETs url. A 4xx answer or a body over max is hopeless
// (app.ErrDownloadHopeless); 5xx and network errors may be retried.
// Errors name the status, never the URL (it may carry a token).
func (h HTTPDownloader) Download(ctx context.Context, url string, max int64) ([]byte, string, error) {
	c := h.Client
	if c == nil {
		c = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", fmt.Errorf("%w: bad pdf_url", app.ErrDownloadHopeless)
	}
	resp, err := c.Do(req)
	if errors.Is(err, app.ErrAddressRefused) {
		return nil, "", fmt.Errorf("%w: pdf_url points at a non-public address", app.ErrDownloadHopeless)
	}
	if err != nil {
		return nil, "", fmt.Errorf("download: %v", unwrapURL(err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout:
		return nil, "", fmt.Errorf("%w: HTTP %d", app.ErrDownloadHopeless, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, "", fmt.Errorf("download: HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > max {
		return nil, "", fmt.Errorf("%w: %d bytes, over %d", app.ErrDownloadHopeless, resp.ContentLength, max)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, "", fmt.Errorf("download: reading body: %v", unwrapURL(err))
	}
	if int64(len(data)) > max {
		return nil, "", fmt.Errorf("%w: over %d bytes", app.ErrDownloadHopeless, max)
	}
	return data, resp.Header.Get("Content-Type"), nil
}

// unwrapURL drops *url.Error, whose message holds the URL.
func unwrapURL(err error) error {
	if u, ok := err.(interface{ Unwrap() error }); ok {
		if inner := u.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}
