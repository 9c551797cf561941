package service

import (
	"context"
	"net/url"
	"strings"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/notify"
	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
	noticeworker "github.com/baoxiao/baoxiao/infra/notify"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/wechat"
	"github.com/baoxiao/baoxiao/web"
)

// addNotices wires the notices (issue 17): decisions queue them in their
// transaction, a worker delivers them on each person's channel
// (DECISIONS 47), everyone reads them in the inbox, and WeCom card clicks
// approve through the workflow.
func (s *Service) addNotices(cfg *config.Config, db *bun.DB, oa, work *wechat.Client, clock app.Clock, opts Options, deps *web.Deps) {
	st := s.Store
	notices := store.NewNotices(db)
	s.Reports.NotifyWith(notify.Notifier{FinanceMayPay: cfg.Payment.FinanceMayPay})
	s.Events.NotifyWith(notify.Notifier{FinanceMayPay: cfg.Payment.FinanceMayPay})
	public := strings.TrimSuffix(cfg.PublicURL, "/")
	sender := &notify.Sender{
		People: st.Employees, Cards: notices, Templates: cfg.WeChat.OA.Templates.Map(), Reports: st.Reports,
		ReportURL: func(page string, id domain.ReportID) string {
			return public + reportPath(page) + "?report=" + url.QueryEscape(string(id))
		},
	}
	if work != nil {
		sender.Work = work
	}
	if oa != nil {
		sender.OA = oa
	}
	nopts := opts.Notices
	if nopts.ID == "" {
		nopts.ID = opts.WorkerID
	}
	if nopts.ID == "" {
		nopts.ID = instanceName()
	}
	if nopts.Now == nil {
		nopts.Now = clock.Now
	}
	s.NoticeWorker = noticeworker.New(notices, sender, nopts)
	wakeWebhooks := func() {}
	if s.WebhookWorker != nil {
		wakeWebhooks = s.WebhookWorker.Wake
	}
	s.Reports.OnQueued(func() { s.Worker.Wake(); wakeWebhooks(); s.NoticeWorker.Wake() })
	s.Inbox = notify.NewInbox(notices, st.Employees, clock)
	s.Inbox.OnRequeued(s.NoticeWorker.Wake)
	deps.Inbox = s.Inbox
	if oa != nil {
		deps.TemplateJobs = &notify.TemplateJobs{Store: notices, Clock: clock}
	}
	if work != nil {
		s.Cards = &notify.Cards{
			Tasks: notices, Members: st.Employees, Reports: st.Reports, Work: work,
			Approve: func(ctx context.Context, by domain.EmployeeID, id domain.ReportID) error {
				_, err := s.Reports.Approve(ctx, by, id, "")
				return err
			},
		}
		deps.Cards = s.Cards
	}
}

// reportPath is the H5 page of notify's page names. Links carry the
// report in the query, not a fragment, so it survives the OAuth sign-in.
func reportPath(page string) string {
	switch page {
	case notify.PageOwn:
		return "/h5/"
	case notify.PageFinance:
		return "/h5/finance"
	}
	return "/h5/approve"
}
