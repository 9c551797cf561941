package notify

import (
	"context"
	"errors"
	"log/slog"
	"slices"

	"github.com/baoxiao/baoxiao/domain"
)

// KeyApprove is the approve button's key on a step's card.
const KeyApprove = "approve"

// TaskStore finds the notice a card was sent for.
type TaskStore interface {
	ByTask(ctx context.Context, taskID string) (Notice, error)
}

// Members finds an employee by WeCom userid.
type Members interface {
	ByLogin(ctx context.Context, ch domain.Channel, appID, login string) (*domain.Employee, error)
}

// Reports reads reports.
type Reports interface {
	Get(ctx context.Context, id domain.ReportID) (*domain.Report, error)
}

// ApproveFunc approves a report as its approver, through the workflow.
type ApproveFunc func(ctx context.Context, by domain.EmployeeID, id domain.ReportID) error

// Cards handles clicks on the WeCom cards sent to approvers: the clicker
// must be a pending approver of the card's step, which must still be the
// current one; then the approval runs through the normal workflow. The
// clicker's card is updated to say what happened (update_template_card
// with the event's one-shot response_code); the other holders' cards are
// updated by the step_closed notices the decision queues.
type Cards struct {
	Tasks   TaskStore
	Members Members
	Reports Reports
	Work    WorkMessenger
	Approve ApproveFunc
}

// Clicked handles one template_card_event and returns the text now on the
// clicker's buttons.
func (c *Cards) Clicked(ctx context.Context, userID, taskID, key, responseCode string) string {
	text := c.decide(ctx, userID, taskID, key)
	if responseCode != "" && c.Work != nil {
		if err := c.Work.UpdateCard(ctx, userID, responseCode, text); err != nil {
			slog.WarnContext(ctx, "update the clicked card", "task_id", taskID, "err", err)
		}
	}
	return text
}

func (c *Cards) decide(ctx context.Context, userID, taskID, key string) string {
	n, err := c.Tasks.ByTask(ctx, taskID)
	if err != nil || n.Event != EventStepPending {
		return "卡片已失效"
	}
	e, err := c.Members.ByLogin(ctx, domain.ChannelWork, c.Work.AppID(), userID)
	if err != nil || e.ID() != n.Recipient || !e.Active() {
		return "无权审批"
	}
	r, err := c.Reports.Get(ctx, n.ReportID)
	if err != nil {
		return "报销单不存在"
	}
	switch {
	case r.Status() == domain.ReportWithdrawn:
		return "已撤回"
	case r.Status() != domain.ReportSubmitted || r.Plan().CurrentStep() != n.Step:
		return "已处理"
	case !slices.Contains(r.Plan().Pending(), e.ID()):
		return "已转交"
	}
	if key != KeyApprove {
		return "请在页面处理"
	}
	if err := c.Approve(ctx, e.ID(), r.ID()); err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			slog.InfoContext(ctx, "card approval refused", "task_id", taskID, "code", de.Code)
			return "审批未成功，请在页面处理"
		}
		slog.ErrorContext(ctx, "card approval failed", "task_id", taskID, "err", err)
		return "审批未成功，请稍后重试"
	}
	return "已同意"
}
