package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// The delivery states.
const (
	StatePending = "pending"
	StateDone    = "done"
	StateFailed  = "failed"
)

// The channels a notice went out on; every notice is in the inbox too.
const (
	ChannelWork  = "work"
	ChannelOA    = "oa"
	ChannelInbox = "inbox"
)

// Notice is a queued notice with its delivery and inbox state.
type Notice struct {
	ID            int64
	Key           string
	Event         string
	ReportID      domain.ReportID
	Recipient     domain.EmployeeID
	Step          int
	Title         string
	Body          string
	Inbox         bool
	ReadAt        time.Time
	Channel       string
	TaskID        string // the WeCom card's task_id, or OAMsgRef of the OA message
	CardCode      string // the card's response_code, until it is used
	Errcode       int
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DeliveredAt   time.Time
	Lease         string // the claim token on claimed notices
}

// Result is one delivery attempt's outcome.
type Result struct {
	State    string // StateDone, StateFailed, or StatePending to retry
	Channel  string
	Errcode  int
	Error    string
	TaskID   string
	CardCode string
	// Quota says WeChat's quota is used up: retry much later.
	Quota bool
	// Tried says a WeChat call was made.
	Tried bool
}

// WorkMessage is a WeCom app message to one member: a template card with
// approve and open buttons when TaskID is set, else a textcard.
type WorkMessage struct {
	ToUser      string
	Title       string
	Description string
	URL         string
	TaskID      string
}

// WorkSent is what WeCom answered a send.
type WorkSent struct {
	MsgID        string
	ResponseCode string
}

// WorkMessenger sends WeCom app messages (infra/wechat).
type WorkMessenger interface {
	AppID() string // the corp id
	SendWorkMessage(ctx context.Context, m WorkMessage) (WorkSent, error)
	UpdateCard(ctx context.Context, userID, responseCode, replaceName string) error
}

// TemplateMessage is an OA template message.
type TemplateMessage struct {
	ToUser      string
	TemplateID  string
	URL         string
	ClientMsgID string
	Data        map[string]string
}

// OAMessenger sends OA template messages (infra/wechat).
type OAMessenger interface {
	AppID() string
	Follows(ctx context.Context, openID string) (bool, error)
	SendTemplate(ctx context.Context, m TemplateMessage) (int64, error)
}

// People finds recipients.
type People interface {
	Get(ctx context.Context, id domain.EmployeeID) (*domain.Employee, error)
}

// CardHolder finds and spends the card a step's notice left with a
// recipient.
type CardHolder interface {
	// Card is the unused response_code of recipient's latest card for the
	// step of report, "" when none.
	Card(ctx context.Context, report domain.ReportID, recipient domain.EmployeeID, step int) (id int64, code string, err error)
	SpendCard(ctx context.Context, id int64) error
}

// Sender delivers one notice on the recipient's channel (DECISIONS 47).
type Sender struct {
	People    People
	Cards     CardHolder
	Work      WorkMessenger // nil: WeCom not configured
	OA        OAMessenger   // nil: OA not configured
	Templates map[string]string
	// Reports, when set, lets a step_closed card update say what its
	// holder decided (「已同意」) rather than 「已处理」.
	Reports Reports
	// ReportURL is a report on one of the H5 pages: PageApprove,
	// PageFinance or PageOwn.
	ReportURL func(page string, id domain.ReportID) string
}

// The H5 pages a notice links to: where its reader acts on the report.
const (
	PageOwn     = "own"     // the owner's own report
	PageApprove = "approve" // an approver's queue
	PageFinance = "finance" // a payer's list of reports to pay
)

// errcodes that say the recipient cannot get messages on a channel.
var (
	workUnknownUser = map[int]bool{40003: true, 60111: true, 81013: true, 82001: true}
	oaNotFollower   = map[int]bool{43004: true, 40003: true}
	quotaCodes      = map[int]bool{45009: true, 45011: true, 45033: true}
)

// replaceNames are the card texts after the step leaves the holder.
var replaceNames = map[string]string{
	EventStepClosed: "已处理", EventWithdrawn: "已撤回", EventTransferred: "已转交",
}

// Deliver sends n. It never returns an error: every outcome is a Result.
func (s *Sender) Deliver(ctx context.Context, n Notice) Result {
	e, err := s.People.Get(ctx, n.Recipient)
	if errors.Is(err, domain.ErrNotFound) || err == nil && !e.Active() {
		return Result{State: StateDone, Channel: ChannelInbox, Error: "the recipient is not an active employee"}
	}
	if err != nil {
		return Result{State: StatePending, Error: "load recipient: " + err.Error()}
	}
	if _, ok := replaceNames[n.Event]; ok {
		return s.updateCard(ctx, e, n)
	}
	var notes []string
	errcode := 0
	if s.Work != nil {
		if id, ok := e.Identity(domain.ChannelWork, s.Work.AppID()); ok && id.UserID != "" {
			r := s.sendWork(ctx, id.UserID, n)
			if !(r.State == StateDone && r.Channel == ChannelInbox) {
				return r
			}
			notes, errcode = append(notes, r.Error), r.Errcode
		}
	}
	if s.OA != nil {
		if id, ok := e.Identity(domain.ChannelOA, s.OA.AppID()); ok && id.OpenID != "" {
			r := s.sendOA(ctx, id.OpenID, n)
			if !(r.State == StateDone && r.Channel == ChannelInbox) {
				return r
			}
			notes, errcode = append(notes, r.Error), r.Errcode
		}
	}
	return Result{State: StateDone, Channel: ChannelInbox, Error: strings.Join(notes, "; "), Errcode: errcode, Tried: len(notes) > 0}
}

// classify maps a failed WeChat call to a result; fallback codes mean
// "try the next channel" (done, inbox).
func classify(err error, fallback map[int]bool) Result {
	var we *app.WeChatError
	if !errors.As(err, &we) {
		return Result{State: StatePending, Error: err.Error(), Tried: true}
	}
	r := Result{Errcode: we.Errcode, Error: we.Error(), Tried: true}
	switch {
	case fallback[we.Errcode]:
		r.State, r.Channel = StateDone, ChannelInbox
	case quotaCodes[we.Errcode]:
		r.State, r.Quota = StatePending, true
	case we.Kind == app.Retryable || we.Kind == app.OutcomeUnknown:
		// A send whose outcome is unknown is sent again: WeCom's duplicate
		// check and OA's client_msg_id make the repeat a no-op.
		r.State = StatePending
	default:
		r.State = StateFailed
	}
	return r
}

func (s *Sender) url(ctx context.Context, n Notice) string {
	if s.ReportURL == nil {
		return ""
	}
	return s.ReportURL(s.page(ctx, n), n.ReportID)
}

// page is where the reader of n acts on its report: the owner on their
// own page, a payer (the approved notice to someone else) on finance's,
// everyone else in the approvals queue.
func (s *Sender) page(ctx context.Context, n Notice) string {
	switch n.Event {
	case EventRejected, EventPaid:
		return PageOwn
	case EventApproved, EventInvoiceCancelled:
		owner := n.Event == EventApproved // without the report, the usual reader
		if s.Reports != nil {
			if r, err := s.Reports.Get(ctx, n.ReportID); err == nil {
				owner = r.EmployeeID() == n.Recipient
			}
		}
		switch {
		case owner:
			return PageOwn
		case n.Event == EventApproved:
			return PageFinance
		}
	}
	return PageApprove
}

// TaskID is the WeCom card task of a notice.
func TaskID(id int64) string { return fmt.Sprintf("bx-notice-%d", id) }

func (s *Sender) sendWork(ctx context.Context, userID string, n Notice) Result {
	m := WorkMessage{ToUser: userID, Title: n.Title, Description: n.Body, URL: s.url(ctx, n)}
	if n.Event == EventStepPending {
		m.TaskID = TaskID(n.ID)
	}
	sent, err := s.Work.SendWorkMessage(ctx, m)
	if err != nil {
		return classify(err, workUnknownUser)
	}
	return Result{State: StateDone, Channel: ChannelWork, TaskID: m.TaskID, CardCode: sent.ResponseCode, Tried: true}
}

func (s *Sender) sendOA(ctx context.Context, openID string, n Notice) Result {
	tpl := s.Templates[n.Event]
	if n.Event == EventStepPending && tpl == "" {
		tpl = s.Templates["step_pending"]
	}
	if tpl == "" {
		return Result{State: StateDone, Channel: ChannelInbox, Error: "no OA template configured for " + n.Event}
	}
	follows, err := s.OA.Follows(ctx, openID)
	if err != nil {
		return classify(err, oaNotFollower)
	}
	if !follows {
		return Result{State: StateDone, Channel: ChannelInbox, Error: "not a follower of the Official Account", Errcode: 43004, Tried: true}
	}
	msgID, err := s.OA.SendTemplate(ctx, TemplateMessage{
		ToUser: openID, TemplateID: tpl, URL: s.url(ctx, n), ClientMsgID: fmt.Sprintf("bx-notice-%d", n.ID),
		Data: map[string]string{
			"thing1": cut(n.Title, 20), "thing2": cut(n.Body, 20), "time3": n.CreatedAt.In(app.Shanghai).Format("2006-01-02 15:04"),
		},
	})
	if err != nil {
		return classify(err, oaNotFollower)
	}
	return Result{State: StateDone, Channel: ChannelOA, TaskID: OAMsgRef(strconv.FormatInt(msgID, 10)), Tried: true}
}

// updateCard greys the buttons of the card the step left with e.
func (s *Sender) updateCard(ctx context.Context, e *domain.Employee, n Notice) Result {
	if s.Work == nil || s.Cards == nil {
		return Result{State: StateDone, Channel: ChannelInbox}
	}
	id, ok := e.Identity(domain.ChannelWork, s.Work.AppID())
	if !ok || id.UserID == "" {
		return Result{State: StateDone, Channel: ChannelInbox}
	}
	cardID, code, err := s.Cards.Card(ctx, n.ReportID, n.Recipient, n.Step)
	if err != nil {
		return Result{State: StatePending, Error: "find card: " + err.Error()}
	}
	if code == "" {
		return Result{State: StateDone, Channel: ChannelInbox, Error: "no card to update"}
	}
	if err := s.Work.UpdateCard(ctx, id.UserID, code, s.replaceName(ctx, n)); err != nil {
		r := classify(err, map[int]bool{60140: true}) // a spent or expired code: nothing left to update
		if r.State != StateDone {
			return r
		}
	}
	if err := s.Cards.SpendCard(ctx, cardID); err != nil {
		return Result{State: StatePending, Error: "spend card: " + err.Error(), Tried: true}
	}
	return Result{State: StateDone, Channel: ChannelWork, Tried: true}
}

// replaceName is the card's text once the step left its holder. The
// holder who decided it (by the card or on the page) reads their own
// decision: their card click's update and this one then agree, whichever
// WeCom applies last.
func (s *Sender) replaceName(ctx context.Context, n Notice) string {
	if n.Event != EventStepClosed || s.Reports == nil {
		return replaceNames[n.Event]
	}
	r, err := s.Reports.Get(ctx, n.ReportID)
	if err != nil {
		return replaceNames[n.Event]
	}
	for _, st := range r.Plan().Steps {
		if st.Step != n.Step {
			continue
		}
		for _, a := range st.Approvers {
			if a.ID != n.Recipient {
				continue
			}
			switch a.Decision {
			case domain.DecisionApproved:
				return "已同意"
			case domain.DecisionRejected:
				return "已驳回"
			}
		}
	}
	return replaceNames[n.Event]
}

// cut keeps at most n characters (OA shows 20 per row).
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
