package service

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/intake"
	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/mailbox"
	"github.com/baoxiao/baoxiao/infra/store"
)

// addMailbox assembles the mailbox intake (DECISIONS 48). The use case is
// there even without a mailbox, for the admins' list of what it left; the
// worker only when intake.imap.url is set.
func (s *Service) addMailbox(ctx context.Context, cfg *config.Config, db *bun.DB, clock app.Clock, log *slog.Logger, owner string) error {
	// Employees from before migration 0014 get their address tag here:
	// SQL has no portable strong randomness.
	n, err := s.Store.Employees.FillIntakeTokens(ctx, domain.NewIntakeToken)
	if err != nil {
		return fmt.Errorf("intake tokens: %w", err)
	}
	if n > 0 {
		log.InfoContext(ctx, "mailbox: employees given their intake address", "count", n)
	}
	m := cfg.Intake.IMAP
	s.Mailbox = intake.NewMailbox(s.Store.Employees, s.Intake, store.NewMailbox(db), clock, intake.MailboxOptions{
		Address: m.Address, TrustFrom: m.TrustFrom, Owner: owner, Logger: log,
	})
	if m.Enabled() {
		s.MailboxWorker = mailbox.New(s.Mailbox, mailbox.OptionsFrom(m, log))
	}
	return nil
}
