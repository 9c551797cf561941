package sandbox

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// control is the in-memory test state: the fault, the switches, the call
// log and the push log. It is not persisted: a restart clears it.
type control struct {
	mu     sync.Mutex
	fault  *faultConfig
	sw     switches
	calls  []callRecord
	pushes []pushRecord
	// answers are the answer patches, by card_id and encrypt_code.
	answers map[string]json.RawMessage
}

const maxLog = 10000

func newControl() *control { return &control{} }

// faultConfig is the body of POST /_control/faults.
type faultConfig struct {
	Rate      float64  `json:"rate"`
	Errcodes  []int    `json:"errcodes"`
	LatencyMS int      `json:"latency_ms"`
	Paths     []string `json:"paths"`
	// Mode: "errcode" (answer one of Errcodes with HTTP 200, nothing
	// applied), "http_500", or "apply_then_timeout" (do the call, then
	// answer nothing until HangMS, MaxHang or Close).
	Mode   string `json:"mode"`
	HangMS int    `json:"hang_ms,omitempty"`
}

const (
	modeErrcode          = "errcode"
	modeHTTP500          = "http_500"
	modeApplyThenTimeout = "apply_then_timeout"
)

// switches change undocumented or optional WeChat behaviours.
type switches struct {
	// BatchFailWhole: a batch query with an unknown item fails (72031)
	// instead of leaving the item out.
	BatchFailWhole bool `json:"batch_fail_whole"`
	// LockLock72024: LOCK→LOCK by the holder answers 72024 instead of 0.
	LockLock72024 bool `json:"lock_lock_72024"`
	// OAResultArray: the OA chooseInvoice result carries an array instead
	// of a JSON string.
	OAResultArray bool `json:"oa_result_array"`
	// BatchCap > 0 refuses larger batches with 72055.
	BatchCap int `json:"batch_cap"`
	// EventDuplicates delivers every event twice.
	EventDuplicates bool `json:"event_duplicates"`
	// HoldTemplateJobs keeps TEMPLATESENDJOBFINISH events until
	// POST /_control/template-jobs pushes them, so a test can order them.
	HoldTemplateJobs bool `json:"hold_template_jobs"`
}

// callRecord is one WeChat API call received. It never holds the token.
type callRecord struct {
	At         string `json:"at"`
	Method     string `json:"method"`
	Path       string `json:"path"`
	Errcode    int    `json:"errcode"`
	Invoices   int    `json:"invoices"`
	OpenID     string `json:"openid"`
	HTTPStatus int    `json:"http_status"`
	Fault      string `json:"fault,omitempty"`
}

// pushRecord is one event delivery attempt.
type pushRecord struct {
	At         string `json:"at"`
	Channel    string `json:"channel"`
	Attempt    int    `json:"attempt"`
	HTTPStatus int    `json:"http_status"`
	Error      string `json:"error,omitempty"`
	Status     string `json:"status"`
	CardID     string `json:"card_id"`
	Code       string `json:"code"`
	OpenID     string `json:"openid"`
	// Event and MsgID name other pushed events (TEMPLATESENDJOBFINISH).
	Event string `json:"event,omitempty"`
	MsgID string `json:"msgid,omitempty"`
}

func (c *control) switches() switches {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sw
}

func (c *control) record(r callRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.calls) >= maxLog {
		c.calls = slices.Delete(c.calls, 0, len(c.calls)-maxLog+1)
	}
	c.calls = append(c.calls, r)
}

func (c *control) recordPush(r pushRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pushes) >= maxLog {
		c.pushes = slices.Delete(c.pushes, 0, len(c.pushes)-maxLog+1)
	}
	c.pushes = append(c.pushes, r)
}

// faultAction is what the fault asks of one call.
type faultAction struct {
	latency time.Duration
	errcode int
	http500 bool
	hang    time.Duration
}

func (a faultAction) name() string {
	switch {
	case a.http500:
		return modeHTTP500
	case a.hang > 0:
		return modeApplyThenTimeout
	case a.errcode != 0:
		return modeErrcode
	}
	return ""
}

func (c *control) decide(path string, maxHang time.Duration) faultAction {
	c.mu.Lock()
	f := c.fault
	c.mu.Unlock()
	if f == nil {
		return faultAction{}
	}
	if len(f.Paths) > 0 && !slices.ContainsFunc(f.Paths, func(p string) bool { return strings.Contains(path, p) }) {
		return faultAction{}
	}
	a := faultAction{latency: time.Duration(f.LatencyMS) * time.Millisecond}
	// rand.Float64 is in [0, 1): rate 1 always fires, rate 0 never.
	if f.Rate <= 0 || rand.Float64() >= f.Rate {
		return a
	}
	switch f.Mode {
	case modeHTTP500:
		a.http500 = true
	case modeApplyThenTimeout:
		a.hang = maxHang
		if f.HangMS > 0 {
			a.hang = min(time.Duration(f.HangMS)*time.Millisecond, maxHang)
		}
	default:
		if len(f.Errcodes) > 0 {
			a.errcode = f.Errcodes[rand.IntN(len(f.Errcodes))]
		}
	}
	return a
}

// api wraps a WeChat API handler: faults, the call log, and WeChat's
// habit of answering errors with HTTP 200 (-1 for our own failures).
func (s *Sandbox) api(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		path := strings.Clone(s.relPath(c))
		act := s.ctl.decide(path, s.opts.MaxHang)
		if act.latency > 0 {
			t := time.NewTimer(act.latency)
			select {
			case <-t.C:
			case <-s.ctx.Done():
				t.Stop()
			}
		}
		switch {
		case act.http500:
			c.Status(fiber.StatusInternalServerError).Type("html")
			_ = c.SendString("<html><body><h1>500 Internal Server Error</h1></body></html>")
		case act.errcode != 0:
			_ = fail(c, act.errcode)
		default:
			if err := h(c); err != nil {
				s.internal(c, "handle "+path, err)
			}
		}
		rec := callRecord{
			At: s.now().UTC().Format(time.RFC3339Nano), Method: strings.Clone(c.Method()), Path: path,
			HTTPStatus: c.Response().StatusCode(), Fault: act.name(),
		}
		if v, ok := c.Locals(localErrcode).(int); ok {
			rec.Errcode = v
		}
		if v, ok := c.Locals(localInvoices).(int); ok {
			rec.Invoices = v
		}
		if v, ok := c.Locals(localOpenID).(string); ok {
			rec.OpenID = strings.Clone(v)
		}
		s.ctl.record(rec)
		if act.hang > 0 {
			// The change is made; the answer never comes in time.
			t := time.NewTimer(act.hang)
			select {
			case <-t.C:
			case <-s.ctx.Done():
				t.Stop()
			}
		}
		return nil
	}
}

// internal answers -1 (system error) for a failure of the sandbox itself.
func (s *Sandbox) internal(c *fiber.Ctx, what string, err error) {
	s.log.Error("sandbox failure", "op", what, "err", err)
	_ = fail(c, -1)
}
