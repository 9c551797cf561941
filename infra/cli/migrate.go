package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/baoxiao/baoxiao/config"
)

// Migrate applies ("up"), rolls back ("down") or lists ("status") migrations.
func Migrate(ctx context.Context, cfg *config.Config, args []string, stdout io.Writer) error {
	action := "up"
	if len(args) > 0 {
		action = args[0]
	}
	db, m, err := OpenDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	switch action {
	case "up":
		names, err := m.Up(ctx)
		if err != nil {
			return err
		}
		if len(names) == 0 {
			fmt.Fprintln(stdout, "nothing to migrate")
		}
		for _, n := range names {
			fmt.Fprintln(stdout, "applied", n)
		}
	case "down":
		names, err := m.Down(ctx)
		if err != nil {
			return err
		}
		if len(names) == 0 {
			fmt.Fprintln(stdout, "nothing to roll back")
		}
		for _, n := range names {
			fmt.Fprintln(stdout, "rolled back", n)
		}
	case "status":
		status, err := m.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range status {
			state := "pending"
			if s.Applied {
				state = "applied " + s.At.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%-30s %s\n", s.Name, state)
		}
	default:
		return fmt.Errorf("migrate: unknown action %q (up, down or status)", action)
	}
	return nil
}
