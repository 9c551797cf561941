package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// The _control endpoints (shared/API.md "Sandbox"): JSON in and out, for
// tests and demos. Failures answer {"error": "..."} with a 4xx status.

func ctlError(c *fiber.Ctx, status int, format string, args ...any) error {
	return c.Status(status).JSON(fiber.Map{"error": fmt.Sprintf(format, args...)})
}

func ctlDecode(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	return json.Unmarshal(body, v)
}

// POST /_control/faults
func (s *Sandbox) ctlSetFault(c *fiber.Ctx) error {
	var req struct {
		faultConfig
		Rate *float64 `json:"rate"`
	}
	if err := ctlDecode(c, &req); err != nil {
		return ctlError(c, 400, "bad JSON: %v", err)
	}
	f := req.faultConfig
	f.Rate = 1
	if req.Rate != nil {
		f.Rate = *req.Rate
	}
	if f.Mode == "" {
		f.Mode = modeErrcode
	}
	switch {
	case f.Rate < 0 || f.Rate > 1:
		return ctlError(c, 400, "rate must be within 0..1")
	case f.Mode != modeErrcode && f.Mode != modeHTTP500 && f.Mode != modeApplyThenTimeout:
		return ctlError(c, 400, "mode must be errcode, http_500 or apply_then_timeout")
	case f.LatencyMS < 0 || f.HangMS < 0:
		return ctlError(c, 400, "latency_ms and hang_ms must not be negative")
	}
	s.ctl.mu.Lock()
	s.ctl.fault = &f
	s.ctl.mu.Unlock()
	return c.JSON(f)
}

// DELETE /_control/faults
func (s *Sandbox) ctlClearFault(c *fiber.Ctx) error {
	s.ctl.mu.Lock()
	s.ctl.fault = nil
	s.ctl.mu.Unlock()
	return c.JSON(fiber.Map{"ok": true})
}

// GET /_control/faults
func (s *Sandbox) ctlGetFault(c *fiber.Ctx) error {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	if s.ctl.fault == nil {
		return c.JSON(nil)
	}
	return c.JSON(*s.ctl.fault)
}

// POST /_control/tokens/expire: every issued token now answers 42001.
func (s *Sandbox) ctlExpireTokens(c *fiber.Ctx) error {
	n, err := s.expireAllTokens(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"expired": n})
}

// GET /_control/calls?path=
func (s *Sandbox) ctlCalls(c *fiber.Ctx) error {
	filter := c.Query("path")
	s.ctl.mu.Lock()
	items := make([]callRecord, 0, len(s.ctl.calls))
	for _, r := range s.ctl.calls {
		if strings.Contains(r.Path, filter) {
			items = append(items, r)
		}
	}
	s.ctl.mu.Unlock()
	return c.JSON(fiber.Map{"items": items})
}

// DELETE /_control/calls
func (s *Sandbox) ctlClearCalls(c *fiber.Ctx) error {
	s.ctl.mu.Lock()
	s.ctl.calls = nil
	s.ctl.mu.Unlock()
	return c.JSON(fiber.Map{"ok": true})
}

// GET /_control/events: event push attempts, and how many deliveries are
// still in flight (sending or waiting to retry).
func (s *Sandbox) ctlPushes(c *fiber.Ctx) error {
	inFlight := s.inFlight.Load()
	s.ctl.mu.Lock()
	items := append([]pushRecord{}, s.ctl.pushes...)
	s.ctl.mu.Unlock()
	return c.JSON(fiber.Map{"items": items, "in_flight": inFlight})
}

// DELETE /_control/events
func (s *Sandbox) ctlClearPushes(c *fiber.Ctx) error {
	s.ctl.mu.Lock()
	s.ctl.pushes = nil
	s.ctl.mu.Unlock()
	return c.JSON(fiber.Map{"ok": true})
}

// POST /_control/switches: fields left out keep their value.
func (s *Sandbox) ctlSetSwitches(c *fiber.Ctx) error {
	var req struct {
		BatchFailWhole   *bool `json:"batch_fail_whole"`
		LockLock72024    *bool `json:"lock_lock_72024"`
		OAResultArray    *bool `json:"oa_result_array"`
		BatchCap         *int  `json:"batch_cap"`
		EventDuplicates  *bool `json:"event_duplicates"`
		HoldTemplateJobs *bool `json:"hold_template_jobs"`
	}
	if err := ctlDecode(c, &req); err != nil {
		return ctlError(c, 400, "bad JSON: %v", err)
	}
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	set := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(&s.ctl.sw.BatchFailWhole, req.BatchFailWhole)
	set(&s.ctl.sw.LockLock72024, req.LockLock72024)
	set(&s.ctl.sw.OAResultArray, req.OAResultArray)
	set(&s.ctl.sw.EventDuplicates, req.EventDuplicates)
	set(&s.ctl.sw.HoldTemplateJobs, req.HoldTemplateJobs)
	if req.BatchCap != nil {
		s.ctl.sw.BatchCap = max(*req.BatchCap, 0)
	}
	return c.JSON(s.ctl.sw)
}

// GET /_control/switches
func (s *Sandbox) ctlGetSwitches(c *fiber.Ctx) error { return c.JSON(s.ctl.switches()) }

type ctlUser struct {
	Channel    string `json:"channel"`
	AppID      string `json:"appid"`
	OpenID     string `json:"openid"`
	UserID     string `json:"userid"`
	Name       string `json:"name"`
	Department string `json:"department"`
	EmployeeID string `json:"employee_id"`
	ManagerID  string `json:"manager_id"`
	Member     *bool  `json:"member,omitempty"`
}

// POST /_control/users {"channel", "appid"?, "openid"?, "userid"?, "name",
// "department"?, "employee_id"?, "manager_id"?, "member"?}: adds a user to
// an app. Missing openids are generated; on WeCom a member (the default)
// gets a userid, a non-member ("member": false) has only an openid.
func (s *Sandbox) ctlAddUser(c *fiber.Ctx) error {
	var req ctlUser
	if err := ctlDecode(c, &req); err != nil {
		return ctlError(c, 400, "bad JSON: %v", err)
	}
	if req.Channel != channelOA && req.Channel != channelWork {
		return ctlError(c, 400, `channel must be "oa" or "work"`)
	}
	app := s.appFor(req.Channel)
	if req.AppID == "" {
		req.AppID = app.appID
	}
	member := req.Channel == channelWork && (req.Member == nil || *req.Member)
	if req.OpenID == "" {
		prefix := "oSBX"
		if req.Channel == channelWork {
			prefix = "oSBW"
		}
		req.OpenID = prefix + randomString(24, tokenAlphabet)
	}
	if member && req.UserID == "" {
		req.UserID = "user" + randomDigits(8)
	}
	if !member {
		req.UserID = ""
	}
	if req.Name == "" {
		req.Name = req.EmployeeID
	}
	u := userRow{Channel: req.Channel, AppID: req.AppID, OpenID: req.OpenID, UserID: req.UserID,
		EmployeeID: req.EmployeeID, Name: req.Name, Department: req.Department, ManagerID: req.ManagerID}
	if member {
		u.Member = 1
	}
	s.mu.Lock()
	err := s.addUser(c.UserContext(), u)
	s.mu.Unlock()
	if err == errUserExists {
		return ctlError(c, 409, "the app already has a user with that openid or userid")
	}
	if err != nil {
		return err
	}
	req.Member = &member
	return c.JSON(req)
}

// GET /_control/users?channel=oa|work
func (s *Sandbox) ctlUsers(c *fiber.Ctx) error {
	var out []ctlUser
	for _, a := range []appConfig{s.oa, s.work} {
		if ch := c.Query("channel"); ch != "" && ch != a.channel {
			continue
		}
		rows, err := s.users(c.UserContext(), a.channel, a.appID)
		if err != nil {
			return err
		}
		for _, u := range rows {
			m := u.Member == 1
			out = append(out, ctlUser{u.Channel, u.AppID, u.OpenID, u.UserID, u.Name, u.Department,
				u.EmployeeID, u.ManagerID, &m})
		}
	}
	return c.JSON(fiber.Map{"items": out})
}

// POST /_control/tickets {"channel", "appid"?, "type", "ticket"}: pins the
// ticket getticket answers and signatures are checked with (a fixed test
// vector); "ticket": "" unpins.
func (s *Sandbox) ctlPinTicket(c *fiber.Ctx) error {
	var req struct {
		Channel string `json:"channel"`
		AppID   string `json:"appid"`
		Type    string `json:"type"`
		Ticket  string `json:"ticket"`
	}
	if err := ctlDecode(c, &req); err != nil {
		return ctlError(c, 400, "bad JSON: %v", err)
	}
	if !ticketTypes[req.Channel][req.Type] {
		return ctlError(c, 400, "unknown channel or ticket type")
	}
	if req.AppID == "" {
		req.AppID = s.appFor(req.Channel).appID
	}
	if err := s.pinTicket(c.UserContext(), req.Channel, req.AppID, req.Type, req.Ticket); err != nil {
		return err
	}
	return c.JSON(req)
}

// ctl wraps a control handler: our own failures are 500 JSON.
func (s *Sandbox) ctlWrap(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := h(c); err != nil {
			// A refusal the handler meant (fiber.NewError) keeps its status.
			var fe *fiber.Error
			if errors.As(err, &fe) && fe.Code < 500 {
				return ctlError(c, fe.Code, "%s", fe.Message)
			}
			s.log.Error("sandbox control failure", "path", c.Path(), "err", err)
			return ctlError(c, 500, "internal error")
		}
		return nil
	}
}
