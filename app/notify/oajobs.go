package notify

import (
	"context"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// OAMsgRef is how a notice sent as an OA template message keeps WeChat's
// msgid (in its task_id, which WeCom cards use for theirs): the
// TEMPLATESENDJOBFINISH event names the message by it.
func OAMsgRef(msgID string) string { return "oa-" + msgID }

// JobSuccess is TEMPLATESENDJOBFINISH's Status for a delivered message;
// anything else ("failed:user block", "failed: system failed") is a
// failure.
const JobSuccess = "success"

// JobStore records what WeChat said of a sent template message.
type JobStore interface {
	// FailOASend marks the delivered notice sent as ref failed with why;
	// found is false when no notice was sent as ref.
	FailOASend(ctx context.Context, ref, why string, now time.Time) (found bool, err error)
}

// ErrUnknownTemplateMsg answers a failure event for a message no notice
// was sent as (yet: the event can outrun our record of the send), so
// WeChat pushes it again.
var ErrUnknownTemplateMsg = domain.ErrNotFound.WithMessage("no notice was sent as this template message")

// TemplateJobs takes TEMPLATESENDJOBFINISH events (approval-notify.md
// §2.1). A message WeChat accepted but could not deliver (the person
// blocked the account, or WeChat failed) marks its notice failed, so the
// admins' list shows it (DECISIONS 46); the notice stays in the inbox.
// Success changes nothing: the notice is delivered already.
type TemplateJobs struct {
	Store JobStore
	Clock app.Clock
}

// Finished records one event.
func (j *TemplateJobs) Finished(ctx context.Context, msgID, status string) error {
	if status == JobSuccess || msgID == "" {
		return nil
	}
	found, err := j.Store.FailOASend(ctx, OAMsgRef(msgID), "TEMPLATESENDJOBFINISH: "+status, j.Clock.Now())
	if err != nil {
		return err
	}
	if !found {
		return ErrUnknownTemplateMsg
	}
	return nil
}
