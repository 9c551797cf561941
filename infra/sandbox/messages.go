package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Messages (issue 17, approval-notify.md §1–2): WeCom app messages
// (message/send with text, textcard and template_card; update_template_card)
// and OA template messages (message/template/send, user/info). What was
// delivered is kept in memory and listed at GET /_control/messages;
// POST /_control/cards/click makes a member click a card button, which
// pushes the encrypted template_card_event to the WeCom callback URL.

// WorkRatePerMinute is WeCom's per-app, per-member limit: excess messages
// are dropped silently, not refused.
const WorkRatePerMinute = 30

// deliveredMessage is one message a person received.
type deliveredMessage struct {
	Channel string         `json:"channel"` // "work" or "oa"
	To      string         `json:"to"`      // userid or openid
	MsgType string         `json:"msgtype"` // text, textcard, template_card, update_template_card, template
	Body    map[string]any `json:"body"`
	At      string         `json:"at"`
}

type cardCode struct {
	userID string
	taskID string
	used   bool
}

type messageBox struct {
	mu        sync.Mutex
	delivered []deliveredMessage
	dropped   int
	sentAt    map[string][]time.Time // userid → recent sends
	dupes     map[string]string      // duplicate key → answer JSON
	tasks     map[string]bool        // task_id used
	codes     map[string]*cardCode   // response_code → card
	clientIDs map[string]clientMsg   // openid+client_msg_id → the message it sent
	unfollow  map[string]bool        // openid → not following
	jobs      map[string]string      // openid → TEMPLATESENDJOBFINISH Status (default success)
	held      []templateJob          // jobs kept by the hold_template_jobs switch
	sent      int                    // messages accepted today (quota)
	quota     int                    // 0: none
	seq       int64
}

func newMessageBox() *messageBox {
	return &messageBox{sentAt: map[string][]time.Time{}, dupes: map[string]string{}, tasks: map[string]bool{},
		codes: map[string]*cardCode{}, clientIDs: map[string]clientMsg{}, unfollow: map[string]bool{}, jobs: map[string]string{}}
}

func (b *messageBox) next() int64 { b.seq++; return b.seq }

// workSendRequest is message/send's body. agentid must be a JSON integer.
type workSendRequest struct {
	ToUser  string          `json:"touser"`
	ToParty string          `json:"toparty"`
	ToTag   string          `json:"totag"`
	MsgType string          `json:"msgtype"`
	AgentID json.RawMessage `json:"agentid"`
	Text    *struct {
		Content string `json:"content"`
	} `json:"text"`
	TextCard               map[string]any `json:"textcard"`
	TemplateCard           map[string]any `json:"template_card"`
	EnableDuplicateCheck   int            `json:"enable_duplicate_check"`
	DuplicateCheckInterval int            `json:"duplicate_check_interval"`
}

func (s *Sandbox) handleMessageSend(c *fiber.Ctx) error {
	tok, ok := s.authToken(c, channelWork)
	if !ok {
		return nil
	}
	var req workSendRequest
	if !decodeBody(c, &req) {
		return fail(c, 47001)
	}
	// WeCom documents an integer; a string (silenceper's SendRequestCommon)
	// is refused here so that our clients keep to the documented type.
	agent, err := strconv.ParseInt(string(req.AgentID), 10, 64)
	if err != nil {
		return fail(c, 40056)
	}
	if strconv.FormatInt(agent, 10) != s.work.agentID || tok.AppID != s.work.appID {
		return fail(c, 301002)
	}
	if req.ToUser == "" && req.ToParty == "" && req.ToTag == "" {
		return fail(c, 82001)
	}
	var body map[string]any
	switch req.MsgType {
	case "text":
		if req.Text == nil || strings.TrimSpace(req.Text.Content) == "" {
			return fail(c, 44004)
		}
		body = map[string]any{"content": req.Text.Content}
	case "textcard":
		if req.TextCard == nil || fmt.Sprint(req.TextCard["description"]) == "" || req.TextCard["description"] == nil {
			return fail(c, 41033)
		}
		body = req.TextCard
	case "template_card":
		if req.TemplateCard == nil {
			return fail(c, 40008)
		}
		body = req.TemplateCard
	default:
		return fail(c, 40008)
	}
	b := s.msgs
	b.mu.Lock()
	defer b.mu.Unlock()
	dupKey := ""
	if req.EnableDuplicateCheck == 1 {
		h := sha256.Sum256(c.Body())
		dupKey = hex.EncodeToString(h[:])
		if ans, ok := b.dupes[dupKey]; ok {
			c.Locals(localErrcode, 0)
			c.Set("Content-Type", "application/json")
			return c.SendString(ans)
		}
	}
	if b.quota > 0 && b.sent >= b.quota {
		return fail(c, 45009)
	}
	taskID := ""
	if req.MsgType == "template_card" {
		taskID, _ = req.TemplateCard["task_id"].(string)
		if taskID == "" || len(taskID) > 128 {
			return fail(c, 42014)
		}
		if b.tasks[taskID] {
			return fail(c, 42014)
		}
	}
	var valid, invalid []string
	for _, u := range strings.Split(req.ToUser, "|") {
		if u == "" {
			continue
		}
		if row, err := s.userByUserID(c.UserContext(), s.work.appID, u); err == nil && row != nil && row.Member == 1 {
			valid = append(valid, u)
		} else {
			invalid = append(invalid, strings.ToLower(u))
		}
	}
	if len(valid) == 0 {
		return fail(c, 81013)
	}
	b.sent++
	now := s.now()
	ans := map[string]any{"errcode": 0, "errmsg": "ok", "invaliduser": strings.Join(invalid, "|"), "msgid": fmt.Sprintf("msg%08d", b.next())}
	if taskID != "" {
		b.tasks[taskID] = true
		code := fmt.Sprintf("rc%08d%s", b.next(), randomDigits(6))
		b.codes[code] = &cardCode{userID: strings.Join(valid, "|"), taskID: taskID}
		ans["response_code"] = code
	}
	for _, u := range valid {
		recent := b.sentAt[u][:0]
		for _, t := range b.sentAt[u] {
			if now.Sub(t) < time.Minute {
				recent = append(recent, t)
			}
		}
		b.sentAt[u] = append(recent, now)
		if len(b.sentAt[u]) > WorkRatePerMinute {
			b.dropped++ // WeCom drops the excess silently
			continue
		}
		b.delivered = append(b.delivered, deliveredMessage{Channel: channelWork, To: u, MsgType: req.MsgType, Body: body, At: now.UTC().Format(time.RFC3339Nano)})
	}
	raw, _ := json.Marshal(ans)
	if dupKey != "" {
		b.dupes[dupKey] = string(raw)
	}
	c.Locals(localErrcode, 0)
	c.Set("Content-Type", "application/json")
	return c.Send(raw)
}

func (s *Sandbox) handleUpdateTemplateCard(c *fiber.Ctx) error {
	if _, ok := s.authToken(c, channelWork); !ok {
		return nil
	}
	var req struct {
		UserIDs      []string        `json:"userids"`
		AgentID      json.RawMessage `json:"agentid"`
		ResponseCode string          `json:"response_code"`
		Button       map[string]any  `json:"button"`
		TemplateCard map[string]any  `json:"template_card"`
	}
	if !decodeBody(c, &req) {
		return fail(c, 47001)
	}
	if _, err := strconv.ParseInt(string(req.AgentID), 10, 64); err != nil {
		return fail(c, 40056)
	}
	b := s.msgs
	b.mu.Lock()
	defer b.mu.Unlock()
	cc, ok := b.codes[req.ResponseCode]
	if !ok || cc.used {
		return fail(c, 60140)
	}
	cc.used = true
	body := map[string]any{"task_id": cc.taskID, "button": req.Button}
	if req.TemplateCard != nil {
		body["template_card"] = req.TemplateCard
	}
	for _, u := range req.UserIDs {
		b.delivered = append(b.delivered, deliveredMessage{Channel: channelWork, To: u, MsgType: "update_template_card", Body: body, At: s.now().UTC().Format(time.RFC3339Nano)})
	}
	return reply(c, okStatus())
}

func (s *Sandbox) handleOAUserInfo(c *fiber.Ctx) error {
	tok, ok := s.authToken(c, channelOA)
	if !ok {
		return nil
	}
	openid := c.Query("openid")
	row, err := s.userByOpenID(c.UserContext(), channelOA, tok.AppID, openid)
	if err != nil || row == nil {
		return fail(c, 40003)
	}
	s.msgs.mu.Lock()
	sub := 1
	if s.msgs.unfollow[openid] {
		sub = 0
	}
	s.msgs.mu.Unlock()
	return reply(c, map[string]any{"subscribe": sub, "openid": openid, "language": "zh_CN"})
}

// templateKnown: the configured template ids; none configured accepts
// any id starting with "tpl_".
func (s *Sandbox) templateKnown(id string) bool {
	if len(s.opts.OA.Templates) == 0 {
		return strings.HasPrefix(id, "tpl_")
	}
	for _, t := range s.opts.OA.Templates {
		if t == id {
			return true
		}
	}
	return false
}

func (s *Sandbox) handleTemplateSend(c *fiber.Ctx) error {
	tok, ok := s.authToken(c, channelOA)
	if !ok {
		return nil
	}
	var req struct {
		ToUser      string                    `json:"touser"`
		TemplateID  string                    `json:"template_id"`
		URL         string                    `json:"url"`
		ClientMsgID string                    `json:"client_msg_id"`
		Data        map[string]map[string]any `json:"data"`
	}
	if !decodeBody(c, &req) {
		return fail(c, 47001)
	}
	if !s.templateKnown(req.TemplateID) {
		return fail(c, 40037)
	}
	for _, v := range req.Data {
		if fmt.Sprint(v["value"]) == "" || v["value"] == nil {
			return fail(c, 47003)
		}
	}
	row, err := s.userByOpenID(c.UserContext(), channelOA, tok.AppID, req.ToUser)
	b := s.msgs
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil || row == nil || b.unfollow[req.ToUser] {
		return fail(c, 43004)
	}
	if req.ClientMsgID != "" {
		if m, ok := b.clientIDs[req.ToUser+"\x00"+req.ClientMsgID]; ok && s.now().Sub(m.at) < ClientMsgWindow {
			id := m.msgID
			return reply(c, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": json.Number(id)})
		}
	}
	if b.quota > 0 && b.sent >= b.quota {
		return fail(c, 45009)
	}
	b.sent++
	id := strconv.FormatInt(200000000+b.next(), 10)
	if req.ClientMsgID != "" {
		b.clientIDs[req.ToUser+"\x00"+req.ClientMsgID] = clientMsg{msgID: id, at: s.now()}
	}
	data := map[string]any{}
	for k, v := range req.Data {
		// Rows show at most 20 characters; the rest is elided, not refused.
		r := []rune(fmt.Sprint(v["value"]))
		if len(r) > 20 {
			r = append(r[:20], '…')
		}
		data[k] = string(r)
	}
	// The send is accepted; whether it reaches the person is told later by
	// TEMPLATESENDJOBFINISH (a blocked or failed one is not delivered).
	job := templateJob{app: s.oa, openID: req.ToUser, msgID: id, status: b.jobs[req.ToUser], createTime: s.now().Unix()}
	if job.status == "" {
		job.status = JobSuccess
	}
	if job.status == JobSuccess {
		b.delivered = append(b.delivered, deliveredMessage{Channel: channelOA, To: req.ToUser, MsgType: "template",
			Body: map[string]any{"template_id": req.TemplateID, "url": req.URL, "data": data}, At: s.now().UTC().Format(time.RFC3339Nano)})
	}
	if s.ctl.switches().HoldTemplateJobs {
		b.held = append(b.held, job)
	} else {
		s.pushTemplateJob(job)
	}
	return reply(c, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": json.Number(id)})
}

// ClientMsgWindow is how long a template message's client_msg_id keeps a
// repeat from being sent again (approval-notify.md §2.1: 10 minutes).
const ClientMsgWindow = 10 * time.Minute

type clientMsg struct {
	msgID string
	at    time.Time
}

// The TEMPLATESENDJOBFINISH statuses (approval-notify.md §2.1).
const (
	JobSuccess      = "success"
	JobUserBlock    = "failed:user block"     // the person refused the account's messages
	JobSystemFailed = "failed: system failed" // WeChat failed to deliver
)

// templateJob is one template message's outcome, pushed to the OA
// callback as TEMPLATESENDJOBFINISH.
type templateJob struct {
	app        appConfig
	openID     string
	msgID      string
	status     string
	createTime int64
}

func (j templateJob) xml() string {
	var b strings.Builder
	b.WriteString("<xml>")
	cdata(&b, "ToUserName", j.app.originalID)
	cdata(&b, "FromUserName", j.openID)
	fmt.Fprintf(&b, "<CreateTime>%d</CreateTime>", j.createTime)
	cdata(&b, "MsgType", "event")
	cdata(&b, "Event", "TEMPLATESENDJOBFINISH")
	fmt.Fprintf(&b, "<MsgID>%s</MsgID>", j.msgID) // MsgID, not MsgId; a bare number
	cdata(&b, "Status", j.status)
	b.WriteString("</xml>")
	return b.String()
}

func (j templateJob) record() pushRecord {
	return pushRecord{Event: "TEMPLATESENDJOBFINISH", MsgID: j.msgID, Status: j.status}
}

// pushTemplateJob pushes j in the background, like the invoice events.
func (s *Sandbox) pushTemplateJob(j templateJob) {
	if j.app.callbackURL == "" {
		return
	}
	s.background(func(ctx context.Context) { _, _ = s.deliverXML(ctx, j.app, j.openID, j.xml(), j.record()) })
}

// POST /_control/template-jobs: push the held TEMPLATESENDJOBFINISH
// events now, in order, one attempt each, and answer how our callback
// took each; those it refused stay held for the next call.
func (s *Sandbox) ctlPushTemplateJobs(c *fiber.Ctx) error {
	if s.oa.callbackURL == "" {
		return ctlError(c, fiber.StatusConflict, "no OA callback URL configured")
	}
	b := s.msgs
	b.mu.Lock()
	jobs := b.held
	b.held = nil
	b.mu.Unlock()
	items := []fiber.Map{}
	var refused []templateJob
	for _, j := range jobs {
		status, err := s.pushOnce(c.UserContext(), j.app, j.openID, j.xml(), j.record(), 1)
		if err != nil || status/100 != 2 {
			refused = append(refused, j)
		}
		items = append(items, fiber.Map{"msgid": j.msgID, "openid": j.openID, "status": j.status, "http_status": status, "error": errString(err)})
	}
	b.mu.Lock()
	b.held = append(refused, b.held...)
	b.mu.Unlock()
	return c.JSON(fiber.Map{"items": items})
}

// GET /_control/messages[?to=]
func (s *Sandbox) ctlMessages(c *fiber.Ctx) error {
	to := c.Query("to")
	b := s.msgs
	b.mu.Lock()
	defer b.mu.Unlock()
	items := []deliveredMessage{}
	for _, m := range b.delivered {
		if to == "" || m.To == to {
			items = append(items, m)
		}
	}
	return c.JSON(fiber.Map{"items": items, "dropped": b.dropped})
}

// DELETE /_control/messages
func (s *Sandbox) ctlClearMessages(c *fiber.Ctx) error {
	b := s.msgs
	b.mu.Lock()
	b.delivered, b.dropped = nil, 0
	b.sentAt = map[string][]time.Time{}
	b.mu.Unlock()
	return c.SendStatus(fiber.StatusNoContent)
}

// POST /_control/followers {"openid","subscribe":0|1}; {"quota":N} sets
// the daily message quota (0: none); {"openid","template_job":status} sets
// the TEMPLATESENDJOBFINISH status of that person's next template
// messages ("success", "failed:user block", "failed: system failed").
func (s *Sandbox) ctlFollowers(c *fiber.Ctx) error {
	var req struct {
		OpenID      string  `json:"openid"`
		Subscribe   *int    `json:"subscribe"`
		Quota       *int    `json:"quota"`
		TemplateJob *string `json:"template_job"`
	}
	if err := json.Unmarshal(c.Body(), &req); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "bad JSON")
	}
	if req.TemplateJob != nil {
		switch *req.TemplateJob {
		case JobSuccess, JobUserBlock, JobSystemFailed:
		default:
			return ctlError(c, fiber.StatusBadRequest, `template_job must be "success", "failed:user block" or "failed: system failed"`)
		}
		if req.OpenID == "" {
			return ctlError(c, fiber.StatusBadRequest, "template_job needs an openid")
		}
	}
	b := s.msgs
	b.mu.Lock()
	defer b.mu.Unlock()
	if req.OpenID != "" && req.Subscribe != nil {
		b.unfollow[req.OpenID] = *req.Subscribe == 0
	}
	if req.TemplateJob != nil {
		b.jobs[req.OpenID] = *req.TemplateJob
	}
	if req.Quota != nil {
		b.quota, b.sent = *req.Quota, 0
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// POST /_control/cards/click {"userid","task_id","key"}: the member clicks a
// button; the encrypted template_card_event goes to the WeCom callback URL
// at once, and the answer says what our server answered.
func (s *Sandbox) ctlClickCard(c *fiber.Ctx) error {
	var req struct {
		UserID string `json:"userid"`
		TaskID string `json:"task_id"`
		Key    string `json:"key"`
	}
	if err := json.Unmarshal(c.Body(), &req); err != nil || req.UserID == "" || req.TaskID == "" {
		return fiber.NewError(fiber.StatusBadRequest, "userid and task_id are required")
	}
	b := s.msgs
	b.mu.Lock()
	if !b.tasks[req.TaskID] {
		b.mu.Unlock()
		return fiber.NewError(fiber.StatusNotFound, "no card with this task_id")
	}
	code := fmt.Sprintf("rc%08d%s", b.next(), randomDigits(6))
	b.codes[code] = &cardCode{userID: req.UserID, taskID: req.TaskID}
	b.mu.Unlock()
	app := s.work
	if app.callbackURL == "" || app.aesKey == "" {
		return fiber.NewError(fiber.StatusConflict, "no WeCom callback URL or EncodingAESKey configured")
	}
	e := cardEvent{app: app, userID: req.UserID, taskID: req.TaskID, key: req.Key, code: code, createTime: s.now().Unix()}
	target, body, err := s.signedXML(app, req.UserID, e.xml())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 30*time.Second)
	defer cancel()
	status, err := s.post(ctx, target, body)
	return c.JSON(fiber.Map{"http_status": status, "error": errString(err), "response_code": code})
}

type cardEvent struct {
	app        appConfig
	userID     string
	taskID     string
	key        string
	code       string
	createTime int64
}

func (e cardEvent) xml() string {
	var b strings.Builder
	b.WriteString("<xml>")
	cdata(&b, "ToUserName", e.app.appID)
	cdata(&b, "FromUserName", e.userID)
	fmt.Fprintf(&b, "<CreateTime>%d</CreateTime>", e.createTime)
	cdata(&b, "MsgType", "event")
	cdata(&b, "Event", "template_card_event")
	cdata(&b, "EventKey", e.key)
	cdata(&b, "TaskId", e.taskID)
	cdata(&b, "CardType", "button_interaction")
	cdata(&b, "ResponseCode", e.code)
	fmt.Fprintf(&b, "<AgentID>%s</AgentID>", e.app.agentID)
	b.WriteString("</xml>")
	return b.String()
}
