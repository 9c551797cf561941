// Package notify tells people what happened to reports: which notices a
// decision makes (one per event and recipient, queued in the decision's
// transaction), how each is delivered (WeCom app message, OA template
// message, or the in-app inbox only: DECISIONS 47), the inbox itself, the
// admins' list of failures (DECISIONS 46) and approval from a WeCom card.
package notify

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// The notice events.
const (
	EventStepPending      = "step_pending"      // a step reached its approvers: action needed
	EventRejected         = "rejected"          // to the owner
	EventApproved         = "approved"          // the last step approved: to the owner
	EventPaid             = "paid"              // to the owner
	EventWithdrawn        = "withdrawn"         // to the approvers who held it
	EventTransferred      = "transferred"       // to the approver it was taken from
	EventStepClosed       = "step_closed"       // the step was decided: the holders' cards are updated
	EventInvoiceCancelled = "invoice_cancelled" // red-flushed in an open report: owner and approvers
)

// Events lists every event, for filters and docs.
var Events = []string{
	EventStepPending, EventRejected, EventApproved, EventPaid, EventWithdrawn,
	EventTransferred, EventStepClosed, EventInvoiceCancelled,
}

// Notifier builds the notices of report changes; it implements
// app.Notifier.
type Notifier struct {
	// FinanceMayPay: when the company has no active cashier, finance
	// staff are told of reports to pay (config payment.finance_may_pay,
	// DECISIONS 36: finance pays by default).
	FinanceMayPay bool
}

var _ app.Notifier = Notifier{}

func key(r domain.ReportID, version int64, event string, to domain.EmployeeID) string {
	return fmt.Sprintf("%s/%d/%s/%s", r, version, event, to)
}

// draft builds one notice about r.
func draft(r *domain.Report, version int64, event string, to domain.EmployeeID, step int, now time.Time, title, body string) app.NoticeDraft {
	return app.NoticeDraft{
		Key: key(r.ID(), version, event, to), Event: event, ReportID: r.ID(), Recipient: to, Step: step,
		Title: title, Body: body, Inbox: event != EventStepClosed, At: now,
	}
}

func summary(r *domain.Report) string {
	return fmt.Sprintf("报销单 %s「%s」，金额 ¥%s", r.Number(), r.Title(), r.Total())
}

func stepName(p domain.Plan, step int) string {
	for _, s := range p.Steps {
		if s.Step == step {
			return s.Name
		}
	}
	return ""
}

// Changes lists the notices of one change of a report: the step's
// approvers when it reaches them, the owner on reject and final approval,
// the earlier holders when it leaves them (withdrawn, transferred, or
// decided: their cards are updated).
func Changes(before app.ReportBefore, after *domain.Report, now time.Time) []app.NoticeDraft {
	v := before.Version
	var out []app.NoticeDraft
	was := []domain.EmployeeID(nil)
	if before.Status == domain.ReportSubmitted {
		was = before.Plan.Pending()
	}
	wasStep := before.Plan.CurrentStep()
	plan := after.Plan()
	var holders []domain.EmployeeID
	if after.Status() == domain.ReportSubmitted {
		holders = plan.Pending()
	}
	nowStep := plan.CurrentStep()
	sum := summary(after)
	switch after.Status() {
	case domain.ReportRejected:
		out = append(out, draft(after, v, EventRejected, after.EmployeeID(), wasStep, now, "报销单被驳回", sum+"，已被驳回"+rejectReason(plan)+"。"))
	case domain.ReportApproved:
		out = append(out, draft(after, v, EventApproved, after.EmployeeID(), wasStep, now, "报销单已审批通过", sum+"，已审批通过，等待付款。"))
	case domain.ReportWithdrawn:
		for _, id := range was {
			out = append(out, draft(after, v, EventWithdrawn, id, wasStep, now, "报销单已撤回", sum+"，已被提交人撤回，无需审批。"))
		}
		return out
	}
	sameStep := after.Status() == domain.ReportSubmitted && before.Status == domain.ReportSubmitted && wasStep == nowStep
	for _, id := range was {
		if slices.Contains(holders, id) {
			continue
		}
		if sameStep && !decided(plan, nowStep, id) {
			// Taken from them (transfer, reassign).
			out = append(out, draft(after, v, EventTransferred, id, wasStep, now, "审批已转交", sum+"，第"+fmt.Sprint(wasStep)+"步已转交他人审批。"))
			continue
		}
		out = append(out, draft(after, v, EventStepClosed, id, wasStep, now, "审批已处理", sum+"，第"+fmt.Sprint(wasStep)+"步已处理。"))
	}
	for _, id := range holders {
		if sameStep && slices.Contains(was, id) {
			continue
		}
		out = append(out, draft(after, v, EventStepPending, id, nowStep, now, "待您审批："+after.Title(),
			sum+"，第"+fmt.Sprint(nowStep)+"步「"+stepName(plan, nowStep)+"」待您审批。"))
	}
	return out
}

func decided(p domain.Plan, step int, id domain.EmployeeID) bool {
	for _, s := range p.Steps {
		if s.Step != step {
			continue
		}
		for _, a := range s.Approvers {
			if a.ID == id && a.Decision != domain.DecisionPending {
				return true
			}
		}
	}
	return false
}

func rejectReason(p domain.Plan) string {
	for _, s := range p.Steps {
		for _, a := range s.Approvers {
			if a.Decision == domain.DecisionRejected && a.Reason != "" {
				return "，理由：" + a.Reason
			}
		}
	}
	return ""
}

// ReportChanged queues Changes in the change's transaction, and on final
// approval a notice to each person who may pay it.
func (n Notifier) ReportChanged(ctx context.Context, tx app.Repos, before app.ReportBefore, after *domain.Report, now time.Time) error {
	ns := Changes(before, after, now)
	if after.Status() == domain.ReportApproved && before.Status != domain.ReportApproved && tx.Staff != nil {
		payers, err := Payers(ctx, tx.Staff, n.FinanceMayPay)
		if err != nil {
			return err
		}
		ns = append(ns, ToPay(before, after, payers, now)...)
	}
	if len(ns) == 0 {
		return nil
	}
	return tx.Notices.QueueNotices(ctx, ns)
}

// Payers are the people told of a report to pay: the active cashiers, or
// when there is none, the finance staff if they may pay.
func Payers(ctx context.Context, staff app.StaffReader, financeMayPay bool) ([]domain.EmployeeID, error) {
	roles := []domain.Role{domain.RoleCashier}
	if financeMayPay {
		roles = append(roles, domain.RoleFinance)
	}
	for _, role := range roles {
		people, err := staff.WithRole(ctx, role)
		if err != nil {
			return nil, err
		}
		if len(people) > 0 {
			ids := make([]domain.EmployeeID, len(people))
			for i, e := range people {
				ids[i] = e.ID()
			}
			return ids, nil
		}
	}
	return nil, nil
}

// ToPay lists the approved notices to the payers of a report that the
// last step approved (待付款). The owner, told already, is left out.
func ToPay(before app.ReportBefore, after *domain.Report, payers []domain.EmployeeID, now time.Time) []app.NoticeDraft {
	var out []app.NoticeDraft
	for _, id := range payers {
		if id == after.EmployeeID() {
			continue
		}
		out = append(out, draft(after, before.Version, EventApproved, id, before.Plan.CurrentStep(), now,
			"待付款："+after.Title(), summary(after)+"，已审批通过，待您付款。"))
	}
	return out
}

// InvoiceCancelled tells the owner and the current approvers of an open
// report that one of its invoices was red-flushed.
func (Notifier) InvoiceCancelled(ctx context.Context, tx app.Repos, inv *domain.Invoice, now time.Time) error {
	r, err := tx.Reports.Get(ctx, inv.ReportID())
	if err != nil {
		return err
	}
	if r.Status() != domain.ReportSubmitted {
		return nil
	}
	id := inv.BusinessID()
	body := fmt.Sprintf("%s 中的发票 %s %s 已被红冲作废，请处理。", summary(r), id.Code, id.Number)
	to := append([]domain.EmployeeID{r.EmployeeID()}, r.Plan().Pending()...)
	ns := make([]app.NoticeDraft, 0, len(to))
	for _, who := range to {
		ns = append(ns, app.NoticeDraft{
			Key: fmt.Sprintf("inv/%s/cancel/%s", inv.ID(), who), Event: EventInvoiceCancelled, ReportID: r.ID(),
			Recipient: who, Step: r.Plan().CurrentStep(), Title: "发票已红冲", Body: body, Inbox: true, At: now,
		})
	}
	return tx.Notices.QueueNotices(ctx, ns)
}

// Paid is the hook for the payment step: the owner is told their report
// was paid. Payment (branch payment) calls it in its transaction.
func Paid(ctx context.Context, tx app.Repos, r *domain.Report, version int64, now time.Time) error {
	if tx.Notices == nil {
		return nil
	}
	return tx.Notices.QueueNotices(ctx, []app.NoticeDraft{
		draft(r, version, EventPaid, r.EmployeeID(), 0, now, "报销单已付款", summary(r)+"，已付款。"),
	})
}
