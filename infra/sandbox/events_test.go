package sandbox_test

import (
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/sandbox"
)

// receiver is a callback endpoint that records what it gets; respond
// decides the answer to delivery n (1-based).
type receiver struct {
	mu      sync.Mutex
	got     []delivery
	respond func(n int, w http.ResponseWriter)
	srv     *httptest.Server
	arrived chan struct{}
}

type delivery struct {
	query url.Values
	body  []byte
}

func newReceiver(t *testing.T, respond func(n int, w http.ResponseWriter)) *receiver {
	rc := &receiver{respond: respond, arrived: make(chan struct{}, 100)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, delivery{r.URL.Query(), body})
		n := len(rc.got)
		rc.mu.Unlock()
		rc.arrived <- struct{}{}
		if rc.respond != nil {
			rc.respond(n, w)
			return
		}
		_, _ = io.WriteString(w, "success")
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// wait returns once n deliveries arrived.
func (rc *receiver) wait(t *testing.T, n int) []delivery {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		rc.mu.Lock()
		got := append([]delivery(nil), rc.got...)
		rc.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-rc.arrived:
		case <-deadline:
			t.Fatalf("%d deliveries, want %d", len(got), n)
		}
	}
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

// settled returns once no event delivery is in flight, retry waits
// included: whatever the sandbox was going to push has reached the
// receiver, so a count taken now would see an extra or unwanted push.
func (e *env) settled(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := e.ctl(http.MethodGet, "/events", nil)
		n, ok := r.JSON["in_flight"].(float64)
		if !ok {
			t.Fatalf("no in_flight in %s", r.Body)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v deliveries still in flight", n)
		}
		<-time.After(10 * time.Millisecond) // poll interval, not an assertion
	}
}

// eventXML is update_invoice_status as wechat-protocol.md §7 shows it.
type eventXML struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Event        string `xml:"Event"`
	Status       string `xml:"Status"`
	CardID       string `xml:"CardId"`
	Code         string `xml:"Code"`
	AgentID      string `xml:"AgentID"`
	Encrypt      string `xml:"Encrypt"`
}

func parseEvent(t *testing.T, b []byte) eventXML {
	t.Helper()
	var ev eventXML
	if err := xml.Unmarshal(b, &ev); err != nil {
		t.Fatalf("event XML %q: %v", b, err)
	}
	return ev
}

// cancel red-flushes an invoice through the issuer API with its plain code.
func (e *env) cancel(w walletItem) resp {
	e.t.Helper()
	return e.post("/card/invoice/platform/updatestatus", tok(e.oaToken()),
		map[string]any{"card_id": w.CardID, "code": w.Code, "reimburse_status": sCANCEL})
}

func firstInit(t *testing.T, e *env, openid string) walletItem {
	for _, it := range e.wallet(openid) {
		if it.ReimburseStatus == sINIT {
			return it
		}
	}
	t.Fatal("no INIT invoice")
	return walletItem{}
}

func fastEvents(rcURL string) func(*sandbox.Options) {
	return func(o *sandbox.Options) {
		o.OA.CallbackURL = rcURL + "/wechat/oa/callback?x=1"
		o.EventRetryDelay = 10 * time.Millisecond
	}
}

// Checklist 10: CANCEL through the issuer, a signed event with the plain
// code, and later reimburser updates refused.
func TestChecklist10Cancel(t *testing.T) {
	rc := newReceiver(t, nil)
	e := start(t, fastEvents(rc.srv.URL))
	li := demo("emp-li").OAOpenID
	inv := firstInit(t, e, li)

	wantErrcode(t, e.cancel(inv), 0)
	d := rc.wait(t, 1)[0]
	q := d.query
	must(t, q.Get("x") == "1", "callback URL query lost")
	// Independent check: sha1 of the sorted token, timestamp, nonce.
	must(t, q.Get("signature") == sortedSig(config.SandboxOACallbackToken, q.Get("timestamp"), q.Get("nonce")), "bad signature %v", q)
	ev := parseEvent(t, d.body)
	must(t, ev.MsgType == "event" && ev.Event == "update_invoice_status" && ev.Status == sCANCEL, "event %+v", ev)
	must(t, ev.CardID == inv.CardID && ev.Code == inv.Code && ev.FromUserName == li, "event %+v", ev)
	must(t, len(ev.ToUserName) > 3 && ev.ToUserName[:3] == "gh_" && ev.CreateTime == e.clock.Now().Unix(), "event %+v", ev)

	status, _, _ := e.invoiceState(inv.CardID, inv.EncryptCode)
	must(t, status == sCANCEL, "status %s", status)
	oa := e.oaToken()
	for _, to := range []string{sLOCK, sINIT, sCLOSURE} {
		wantErrcode(t, e.setStatus("oa", oa, inv, to), 72024)
	}
	g, _ := e.getInvoice("oa", oa, inv)
	must(t, g.UserInfo.ReimburseStatus == sCANCEL, "getinvoiceinfo says %s", g.UserInfo.ReimburseStatus)

	t.Run("a locked invoice can be red-flushed", func(t *testing.T) {
		w := e.newInvoice(li, "oa", nil)
		wantErrcode(t, e.setStatus("oa", oa, w, sLOCK), 0)
		wantErrcode(t, e.cancel(w), 0)
		rc.wait(t, 2)
	})
	t.Run("nothing leaves CLOSURE or CANCEL, even for the issuer", func(t *testing.T) {
		wantErrcode(t, e.cancel(inv), 72024)
		w := e.newInvoice(li, "oa", map[string]any{"reimburse_status": sCLOSURE, "locked_by_appid": config.SandboxOAAppID})
		wantErrcode(t, e.cancel(w), 72024)
	})
	t.Run("the issuer names the invoice by its plain code", func(t *testing.T) {
		w := e.newInvoice(li, "oa", nil)
		wantErrcode(t, e.cancel(walletItem{CardID: w.CardID, Code: w.EncryptCode}), 72031)
		wantErrcode(t, e.cancel(walletItem{CardID: "pOther", Code: w.Code}), 72031)
	})
}

// Checklist 11: event delivery.
func TestChecklist11Events(t *testing.T) {
	li := demo("emp-li").OAOpenID

	t.Run("a failing receiver gets 3 tries", func(t *testing.T) {
		rc := newReceiver(t, func(n int, w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) })
		e := start(t, fastEvents(rc.srv.URL))
		wantErrcode(t, e.cancel(firstInit(t, e, li)), 0)
		got := rc.wait(t, 3)
		e.settled(t)
		must(t, rc.count() == 3, "%d tries", rc.count())
		must(t, string(got[0].body) == string(got[2].body), "retries differ")
		r := e.ctl(http.MethodGet, "/events", nil)
		items, _ := r.JSON["items"].([]any)
		must(t, len(items) == 3, "push log %s", r.Body)
	})
	// baoxiao refuses callbacks stamped more than 5 minutes from its
	// clock: a retry is signed again, with the time it is sent.
	t.Run("each try is signed when it is sent", func(t *testing.T) {
		var e *env
		rc := newReceiver(t, func(n int, w http.ResponseWriter) {
			if n == 1 {
				e.clock.Advance(10 * time.Minute)
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = io.WriteString(w, "success")
		})
		e = start(t, fastEvents(rc.srv.URL))
		wantErrcode(t, e.cancel(firstInit(t, e, li)), 0)
		got := rc.wait(t, 2)
		for i, d := range got {
			q := d.query
			must(t, q.Get("signature") == sortedSig(config.SandboxOACallbackToken, q.Get("timestamp"), q.Get("nonce")), "try %d: bad signature %v", i+1, q)
		}
		t1, t2 := got[0].query.Get("timestamp"), got[1].query.Get("timestamp")
		must(t, t2 == strconv.FormatInt(e.clock.Now().Unix(), 10) && t2 != t1, "the retry is stamped %s (first try %s), want now %d", t2, t1, e.clock.Now().Unix())
	})
	t.Run("a slow receiver times out and is retried", func(t *testing.T) {
		// The first try never answers until the test ends (released
		// before the receiver closes); the second succeeds.
		release := make(chan struct{})
		defer close(release)
		rc := newReceiver(t, func(n int, w http.ResponseWriter) {
			if n == 1 {
				<-release
			}
			_, _ = io.WriteString(w, "success")
		})
		e := start(t, fastEvents(rc.srv.URL), func(o *sandbox.Options) { o.EventTimeout = 300 * time.Millisecond })
		wantErrcode(t, e.cancel(firstInit(t, e, li)), 0)
		rc.wait(t, 2)
		e.settled(t)
		must(t, rc.count() == 2, "%d tries, want 2", rc.count())
	})
	t.Run("duplicates on demand", func(t *testing.T) {
		rc := newReceiver(t, nil)
		e := start(t, fastEvents(rc.srv.URL))
		e.ctl(http.MethodPost, "/switches", map[string]any{"event_duplicates": true})
		wantErrcode(t, e.cancel(firstInit(t, e, li)), 0)
		got := rc.wait(t, 2)
		must(t, parseEvent(t, got[0].body) == parseEvent(t, got[1].body), "duplicates differ")
	})
	t.Run("OA AES mode", func(t *testing.T) {
		key := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
		rc := newReceiver(t, nil)
		e := start(t, fastEvents(rc.srv.URL), func(o *sandbox.Options) { o.OA.EncodingAESKey = key })
		inv := firstInit(t, e, li)
		wantErrcode(t, e.cancel(inv), 0)
		d := rc.wait(t, 1)[0]
		q := d.query
		outer := parseEvent(t, d.body)
		must(t, q.Get("encrypt_type") == "aes" && outer.Encrypt != "" && outer.Event == "", "not encrypted: %s", d.body)
		tk, ts, nonce := config.SandboxOACallbackToken, q.Get("timestamp"), q.Get("nonce")
		must(t, ts == strconv.FormatInt(e.clock.Now().Unix(), 10), "timestamp %s, want the sandbox's now", ts)
		must(t, q.Get("signature") == sortedSig(tk, ts, nonce), "bad signature")
		must(t, q.Get("msg_signature") == sortedSig(tk, ts, nonce, outer.Encrypt), "bad msg_signature")
		_, plain, err := util.DecryptMsg(config.SandboxOAAppID, outer.Encrypt, key)
		must(t, err == nil, "decrypt: %v", err)
		ev := parseEvent(t, plain)
		must(t, ev.Code == inv.Code && ev.Status == sCANCEL && ev.FromUserName == li, "event %+v", ev)
	})
	t.Run("WeCom is always AES", func(t *testing.T) {
		key := base64.RawStdEncoding.EncodeToString([]byte("fedcba9876543210fedcba9876543210"))
		rc := newReceiver(t, nil)
		e := start(t, func(o *sandbox.Options) {
			o.Work.CallbackURL = rc.srv.URL + "/wechat/work/callback"
			o.Work.EncodingAESKey = key
		})
		wang := demo("emp-wang").WorkOpenID
		inv := firstInit(t, e, wang)
		wantErrcode(t, e.cancel(inv), 0)
		d := rc.wait(t, 1)[0]
		q := d.query
		outer := parseEvent(t, d.body)
		must(t, outer.ToUserName == config.SandboxWorkCorpID && outer.AgentID == config.SandboxWorkAgentID, "outer %+v", outer)
		must(t, q.Get("signature") == "" && q.Get("msg_signature") ==
			sortedSig(config.SandboxWorkCallbackToken, q.Get("timestamp"), q.Get("nonce"), outer.Encrypt), "bad msg_signature %v", q)
		_, plain, err := util.DecryptMsg(config.SandboxWorkCorpID, outer.Encrypt, key)
		must(t, err == nil, "decrypt: %v", err)
		ev := parseEvent(t, plain)
		must(t, ev.Code == inv.Code && ev.FromUserName == wang && ev.ToUserName == config.SandboxWorkCorpID, "event %+v", ev)
	})
	t.Run("WeCom without an EncodingAESKey pushes nothing", func(t *testing.T) {
		rc := newReceiver(t, nil)
		e := start(t, func(o *sandbox.Options) { o.Work.CallbackURL = rc.srv.URL })
		wantErrcode(t, e.cancel(firstInit(t, e, demo("emp-wang").WorkOpenID)), 0)
		// The push would have been queued before cancel answered.
		e.settled(t)
		must(t, rc.count() == 0, "pushed plaintext to WeCom")
		r := e.ctl(http.MethodGet, "/events", nil)
		items, _ := r.JSON["items"].([]any)
		must(t, len(items) == 0, "push log %s", r.Body)
	})
	t.Run("Close stops pending deliveries and waits for them", func(t *testing.T) {
		block := make(chan struct{})
		defer close(block)
		rc := newReceiver(t, func(n int, w http.ResponseWriter) { <-block })
		e := start(t, fastEvents(rc.srv.URL))
		wantErrcode(t, e.cancel(firstInit(t, e, li)), 0)
		rc.wait(t, 1)
		done := make(chan struct{})
		go func() { _ = e.sb.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			t.Fatal("Close did not return")
		}
	})
}
