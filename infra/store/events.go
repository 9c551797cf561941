package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Events remembers which WeChat event pushes were applied.
type Events struct{ db bun.IDB }

// Seen reports whether the event key was recorded before.
func (s *Events) Seen(ctx context.Context, key string) (bool, error) {
	n, err := s.db.NewSelect().Table("wechat_events").Where("event_key = ?", key).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("look up event: %w", err)
	}
	return n > 0, nil
}

// Record stores the key; recording it twice is fine.
func (s *Events) Record(ctx context.Context, key string, now time.Time) error {
	_, err := s.db.NewRaw("INSERT INTO wechat_events (event_key, received_at) VALUES (?, ?)", key, now.UTC()).Exec(ctx)
	if _, dup := uniqueViolation(err); err != nil && !dup {
		return fmt.Errorf("record event: %w", err)
	}
	return nil
}
