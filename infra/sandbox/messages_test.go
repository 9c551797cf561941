package sandbox_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/infra/sandbox"
)

// jobXML is TEMPLATESENDJOBFINISH as approval-notify.md §2.1 shows it.
type jobXML struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	MsgType      string `xml:"MsgType"`
	Event        string `xml:"Event"`
	MsgID        string `xml:"MsgID"`
	Status       string `xml:"Status"`
}

// After each template message the sandbox pushes TEMPLATESENDJOBFINISH
// to the OA callback, signed like its other events, with the message's
// msgid and the person's status; a blocked or failed message is not
// delivered. Held jobs wait for POST /_control/template-jobs, and one our
// callback refuses stays held.
func TestTemplateSendJobFinish(t *testing.T) {
	var refuse atomic.Bool
	rc := newReceiver(t, func(n int, w http.ResponseWriter) {
		if refuse.Load() {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_, _ = w.Write([]byte("success"))
	})
	e := start(t, fastEvents(rc.srv.URL))
	tk := e.oaToken()
	send := func(openid string) string {
		t.Helper()
		r := e.post("/cgi-bin/message/template/send", tok(tk), map[string]any{
			"touser": openid, "template_id": "tpl_sandbox_approved",
			"data": map[string]any{"thing1": map[string]any{"value": "报销单已审批通过"}},
		})
		wantErrcode(t, r, 0)
		return strconv.FormatFloat(r.JSON["msgid"].(float64), 'f', -1, 64)
	}
	li, wang := demo("emp-li").OAOpenID, demo("emp-wang").OAOpenID
	if r := e.do(http.MethodPost, "/_control/followers", nil, map[string]any{"openid": wang, "template_job": sandbox.JobUserBlock}); r.Status != http.StatusNoContent {
		t.Fatalf("set job: %d %s", r.Status, r.Body)
	}
	if r := e.do(http.MethodPost, "/_control/followers", nil, map[string]any{"openid": wang, "template_job": "failed"}); r.Status != http.StatusBadRequest {
		t.Fatalf("unknown job status: %d %s", r.Status, r.Body)
	}

	ids := []string{send(li), send(wang)}
	got := rc.wait(t, 2)
	byID := map[string]jobXML{}
	for _, d := range got {
		must(t, d.query.Get("signature") != "" && d.query.Get("openid") != "", "unsigned push %v", d.query)
		var j jobXML
		if err := xml.Unmarshal(d.body, &j); err != nil {
			t.Fatal(err)
		}
		must(t, j.MsgType == "event" && j.Event == "TEMPLATESENDJOBFINISH" && j.ToUserName != "", "push %s", d.body)
		byID[j.MsgID] = j
	}
	must(t, byID[ids[0]].Status == sandbox.JobSuccess && byID[ids[0]].FromUserName == li, "li's job %+v", byID[ids[0]])
	must(t, byID[ids[1]].Status == sandbox.JobUserBlock && byID[ids[1]].FromUserName == wang, "wang's job %+v", byID[ids[1]])
	var msgs struct{ Items []map[string]any }
	_ = json.Unmarshal(e.ctl(http.MethodGet, "/messages", nil).Body, &msgs)
	must(t, len(msgs.Items) == 1 && msgs.Items[0]["to"] == li, "delivered %v", msgs.Items)

	// Held: nothing is pushed until asked; a refused push stays held.
	e.do(http.MethodPost, "/_control/followers", nil, map[string]any{"openid": wang, "template_job": sandbox.JobSystemFailed})
	e.ctl(http.MethodPost, "/switches", map[string]any{"hold_template_jobs": true})
	id := send(wang)
	must(t, rc.count() == 2, "a held job was pushed")
	refuse.Store(true)
	var out struct{ Items []map[string]any }
	_ = json.Unmarshal(e.ctl(http.MethodPost, "/template-jobs", nil).Body, &out)
	must(t, len(out.Items) == 1 && out.Items[0]["http_status"] == float64(404) && out.Items[0]["msgid"] == id, "refused push %v", out.Items)
	refuse.Store(false)
	_ = json.Unmarshal(e.ctl(http.MethodPost, "/template-jobs", nil).Body, &out)
	must(t, len(out.Items) == 1 && out.Items[0]["http_status"] == float64(200), "second push %v", out.Items)
	var j jobXML
	if err := xml.Unmarshal(rc.wait(t, 4)[3].body, &j); err != nil {
		t.Fatal(err)
	}
	must(t, j.MsgID == id && j.Status == sandbox.JobSystemFailed, "held job %+v", j)
	_ = json.Unmarshal(e.ctl(http.MethodPost, "/template-jobs", nil).Body, &out)
	must(t, len(out.Items) == 0, "pushed twice: %v", out.Items)
}

// A template message's client_msg_id makes a repeat within 10 minutes a
// no-op answering the same msgid; later it is a new message.
func TestTemplateClientMsgIDWindow(t *testing.T) {
	e := start(t)
	tk := e.oaToken()
	li := demo("emp-li").OAOpenID
	send := func() string {
		t.Helper()
		r := e.post("/cgi-bin/message/template/send", tok(tk), map[string]any{
			"touser": li, "template_id": "tpl_sandbox_paid", "client_msg_id": "bx-notice-7",
			"data": map[string]any{"thing1": map[string]any{"value": "报销单已付款"}},
		})
		wantErrcode(t, r, 0)
		return strconv.FormatFloat(r.JSON["msgid"].(float64), 'f', -1, 64)
	}
	delivered := func() int {
		var msgs struct{ Items []map[string]any }
		_ = json.Unmarshal(e.ctl(http.MethodGet, "/messages", nil).Body, &msgs)
		return len(msgs.Items)
	}
	first := send()
	e.clock.Advance(sandbox.ClientMsgWindow - time.Second)
	must(t, send() == first && delivered() == 1, "a repeat within the window was sent again")
	e.clock.Advance(2 * time.Second)
	must(t, send() != first && delivered() == 2, "a repeat after the window was not sent")
}
