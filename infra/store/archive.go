package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

var _ app.ReportTitles = (*Finance)(nil)

// ReportTitles reads the titles of reports, for the archive's index: one
// query a page of invoices.
func (s *Finance) ReportTitles(ctx context.Context, ids []domain.ReportID) (map[domain.ReportID]string, error) {
	out := make(map[domain.ReportID]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = string(id)
	}
	var rows []struct {
		ID    string `bun:"id"`
		Title string `bun:"title"`
	}
	if err := s.db.NewSelect().Table("reports").Column("id", "title").Where("id IN (?)", bun.In(keys)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("report titles: %w", err)
	}
	for _, r := range rows {
		out[domain.ReportID(r.ID)] = r.Title
	}
	return out, nil
}
