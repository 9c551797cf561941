package sandbox

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The JS-SDK stand-ins (DECISIONS 15): /jsbridge.js stands in for the
// WeChat / WeCom client's WeixinJSBridge, the native side every JS-SDK
// talks to; it verifies config and agentConfig here, and chooseInvoice
// opens the wallet picker /_js/choose-invoice, which checks cardSign
// (wechat-protocol.md §3). /jweixin.js is that bridge plus a jweixin
// 1.6.0 stand-in, so a page in any browser runs the code path it runs in
// WeChat; the real SDKs run on the bridge alone.

var (
	//go:embed static/jsbridge.js
	jsBridgeJS string
	//go:embed static/jweixin.js
	jweixinJS string
)

// GET /jweixin.js
func (s *Sandbox) handleJweixin(c *fiber.Ctx) error {
	return s.sendScript(c, jsBridgeJS+"\n"+jweixinJS)
}

// GET /jsbridge.js[?late=ms]
func (s *Sandbox) handleJSBridge(c *fiber.Ctx) error {
	return s.sendScript(c, jsBridgeJS)
}

func (s *Sandbox) sendScript(c *fiber.Ctx, js string) error {
	b, _ := json.Marshal(s.opts.PublicBase)
	c.Set(fiber.HeaderContentType, "application/javascript; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.SendString(strings.Replace(js, "'__SANDBOX_BASE__'", string(b), 1))
}

// corsJS lets pages on other origins (tests serve the sandbox on its own
// port) call the /_js endpoints.
func corsJS(c *fiber.Ctx) error {
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	if c.Method() == fiber.MethodOptions {
		c.Set(fiber.HeaderAccessControlAllowMethods, "GET, POST, OPTIONS")
		c.Set(fiber.HeaderAccessControlAllowHeaders, "Content-Type")
		c.Set(fiber.HeaderAccessControlMaxAge, "600")
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Next()
}

// jsapiSignature is wx.config's signature (§3.1): SHA-1 of
// "jsapi_ticket=T&noncestr=N&timestamp=S&url=U", in that order, unescaped.
func jsapiSignature(ticket, nonce, timestamp, url string) string {
	return sha1Hex(jsapiString(ticket, nonce, timestamp, url))
}

func jsapiString(ticket, nonce, timestamp, url string) string {
	return "jsapi_ticket=" + ticket + "&noncestr=" + nonce + "&timestamp=" + timestamp + "&url=" + url
}

// cardSign is chooseInvoice's signature (§3.2): SHA-1 of the sorted values
// wx_card ticket, appid, timestamp, nonceStr and "INVOICE".
func cardSign(ticket, appID, timestamp, nonce string) string {
	return sha1Sorted(ticket, appID, timestamp, nonce, "INVOICE")
}

type verifyAnswer struct {
	OK     bool   `json:"ok"`
	ErrMsg string `json:"errMsg"`
	Detail string `json:"detail,omitempty"`
}

// POST /_js/verify-config {appId, timestamp, nonceStr, signature, url}:
// checks a wx.config signature against the jsapi tickets issued to that
// app (the OA ticket for the OA appid, the corp ticket for the corpid).
func (s *Sandbox) handleVerifyConfig(c *fiber.Ctx) error {
	var req struct {
		AppID     string      `json:"appId"`
		Timestamp looseString `json:"timestamp"` // wx.config takes a number or a string
		NonceStr  string      `json:"nonceStr"`
		Signature string      `json:"signature"`
		URL       string      `json:"url"`
	}
	if err := json.Unmarshal(c.Body(), &req); err != nil {
		return c.JSON(verifyAnswer{ErrMsg: "config:fail, bad request"})
	}
	app, ok := s.appByID(req.AppID)
	if !ok {
		return c.JSON(verifyAnswer{ErrMsg: "config:fail, invalid appId", Detail: "the sandbox knows no app " + req.AppID})
	}
	ans, err := s.verifyJSSignature(c, app, "jsapi", req.NonceStr, req.Timestamp.V, req.URL, req.Signature, "config")
	if err != nil {
		return err
	}
	return c.JSON(ans)
}

// POST /_js/verify-agent-config {corpid, agentid, timestamp, nonceStr,
// signature, url}: the same with the WeCom agent_config ticket.
func (s *Sandbox) handleVerifyAgentConfig(c *fiber.Ctx) error {
	var req struct {
		CorpID    string      `json:"corpid"`
		AgentID   string      `json:"agentid"`
		Timestamp looseString `json:"timestamp"` // wx.config takes a number or a string
		NonceStr  string      `json:"nonceStr"`
		Signature string      `json:"signature"`
		URL       string      `json:"url"`
	}
	if err := json.Unmarshal(c.Body(), &req); err != nil {
		return c.JSON(verifyAnswer{ErrMsg: "agentConfig:fail, bad request"})
	}
	if req.CorpID != s.work.appID || req.AgentID != s.work.agentID {
		return c.JSON(verifyAnswer{ErrMsg: "agentConfig:fail, invalid corpid or agentid"})
	}
	ans, err := s.verifyJSSignature(c, s.work, "agent_config", req.NonceStr, req.Timestamp.V, req.URL, req.Signature, "agentConfig")
	if err != nil {
		return err
	}
	return c.JSON(ans)
}

func (s *Sandbox) verifyJSSignature(c *fiber.Ctx, app appConfig, typ, nonce, ts, url, sig, api string) (verifyAnswer, error) {
	tickets, err := s.liveTickets(c.UserContext(), app.channel, app.appID, typ)
	if err != nil {
		return verifyAnswer{}, err
	}
	for _, t := range tickets {
		if strings.EqualFold(jsapiSignature(t, nonce, ts, url), sig) {
			return verifyAnswer{OK: true, ErrMsg: api + ":ok"}, nil
		}
	}
	detail := fmt.Sprintf("no live %s ticket of %s (tickets die with the access_token that fetched them)", typ, app.appID)
	if len(tickets) > 0 {
		detail = "expected sha1 of " + jsapiString(tickets[0], nonce, ts, url)
	}
	return verifyAnswer{ErrMsg: api + ":invalid signature", Detail: detail}, nil
}

var pickerPage = template.Must(template.New("picker").Funcs(template.FuncMap{"yuan": yuan}).Parse(`<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>选择发票 · 微信沙箱</title>
<style>
body{margin:0;font:15px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:rgba(0,0,0,0)}
.sheet{position:fixed;left:0;right:0;bottom:0;max-height:88%;display:flex;flex-direction:column;background:#ededed;border-radius:12px 12px 0 0}
header{padding:14px 16px;font-weight:600;background:#f7f7f7;border-radius:12px 12px 0 0}
header small{font-weight:400;color:#888;margin-left:6px}
ul{list-style:none;margin:0;padding:8px 12px;overflow:auto;flex:1}
li{background:#fff;border-radius:8px;margin-bottom:8px}
label{display:flex;gap:10px;align-items:center;padding:12px 14px}
li.off{opacity:.55}
.main{flex:1}.payee{font-weight:600}.meta{color:#888;font-size:13px}
.fee{font-weight:600;white-space:nowrap}.st{font-size:12px;color:#fa5151}
footer{display:flex;gap:10px;padding:10px 12px 18px;background:#f7f7f7}
button{flex:1;font-size:16px;padding:10px;border-radius:6px;border:0}
#sandbox-confirm{background:#07c160;color:#fff}#sandbox-confirm:disabled{background:#9ed9b7}
#sandbox-cancel{background:#fff;color:#191919}
.err{margin:16px;padding:14px 16px;background:#fff;border-left:4px solid #fa5151;border-radius:8px}
</style></head><body>
<div class="sheet">
{{if .Error}}
<header>无法打开发票</header>
<div class="err" id="sandbox-error">{{.Error}}</div>
<footer><button id="sandbox-cancel" type="button">关闭</button></footer>
{{else}}
<header>选择发票<small>{{.OwnerName}} 的卡包 · {{if eq .Channel "work"}}企业微信{{else}}微信{{end}}</small></header>
<ul id="sandbox-invoices">
{{range .Items}}<li class="{{if not .Selectable}}off{{end}}"><label>
<input type="checkbox" data-card-id="{{.CardID}}" data-encrypt-code="{{.EncryptCode}}" data-app-id="{{.AppID}}"{{if not .Selectable}} disabled{{end}}>
<span class="main"><span class="payee">{{.Payee}}</span><br><span class="meta">{{.Type}} · {{.Date}} · {{.Number}}</span>
{{if not .Selectable}}<br><span class="st">{{.StatusText}}</span>{{end}}</span>
<span class="fee">¥{{yuan .Fee}}</span></label></li>
{{else}}<li><label>卡包里没有发票。</label></li>{{end}}
</ul>
<footer><button id="sandbox-cancel" type="button">取消</button><button id="sandbox-confirm" type="button" disabled>确定</button></footer>
{{end}}
</div>
<script>
(function () {
  'use strict';
  var format = {{.Format}}, errMsg = {{.Error}};
  function send(msg) {
    msg.source = 'baoxiao-sandbox-picker';
    msg.format = format;
    if (window.parent !== window) { window.parent.postMessage(msg, '*'); }
    else { document.body.insertAdjacentHTML('beforeend', '<pre id="sandbox-result"></pre>'); document.getElementById('sandbox-result').textContent = JSON.stringify(msg); }
  }
  var boxes = [].slice.call(document.querySelectorAll('input[data-card-id]'));
  var confirm = document.getElementById('sandbox-confirm');
  boxes.forEach(function (b) { b.addEventListener('change', function () {
    confirm.disabled = !boxes.some(function (x) { return x.checked; });
  }); });
  if (confirm) { confirm.addEventListener('click', function () {
    send({ status: 'ok', items: boxes.filter(function (b) { return b.checked; }).map(function (b) {
      return { card_id: b.dataset.cardId, encrypt_code: b.dataset.encryptCode, app_id: b.dataset.appId };
    }) });
  }); }
  document.getElementById('sandbox-cancel').addEventListener('click', function () {
    send(errMsg ? { status: 'fail', errMsg: errMsg } : { status: 'cancel' });
  });
})();
</script>
</body></html>`))

type pickerItem struct {
	CardID, EncryptCode, AppID string
	Payee, Type, Date, Number  string
	Fee                        int64
	Selectable                 bool
	StatusText                 string
}

var statusText = map[string]string{
	statusInit:    "可报销",
	statusLock:    "报销中，已被锁定",
	statusClosure: "已报销",
	statusCancel:  "已冲红（作废）",
}

var chinaTime = time.FixedZone("Asia/Shanghai", 8*3600)

func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// GET /_js/choose-invoice?appid&timestamp&nonceStr&signType&cardSign&openid&channel
func (s *Sandbox) handleChooseInvoice(c *fiber.Ctx) error {
	page := struct {
		Channel, OwnerName, Format, Error string
		Items                             []pickerItem
	}{Channel: c.Query("channel"), Format: "string"}
	render := func() error {
		c.Type("html", "utf-8")
		return pickerPage.Execute(c.Response().BodyWriter(), page)
	}
	appID := c.Query("appid")
	app, ok := s.appByID(appID)
	if page.Channel == "" {
		page.Channel = app.channel
	}
	if page.Channel == channelWork || (page.Channel == channelOA && s.ctl.switches().OAResultArray) {
		page.Format = "array"
	}
	ctx := c.UserContext()
	switch {
	case !ok:
		page.Error = "appid 无效：沙箱不认识应用 " + appID + "。"
	case app.channel != page.Channel:
		page.Error = "appid " + appID + " 不属于渠道 " + page.Channel + "。"
	case !strings.EqualFold(c.Query("signType"), "SHA1"):
		page.Error = "signType 应为 SHA1（收到 " + c.Query("signType") + "）。"
	case c.Query("cardSign") == "" || c.Query("timestamp") == "" || c.Query("nonceStr") == "":
		page.Error = "缺少 timestamp、nonceStr 或 cardSign。"
	}
	if page.Error != "" {
		return render()
	}
	tickets, err := s.liveTickets(ctx, app.channel, app.appID, "wx_card")
	if err != nil {
		return err
	}
	verified := false
	for _, t := range tickets {
		if strings.EqualFold(cardSign(t, app.appID, c.Query("timestamp"), c.Query("nonceStr")), c.Query("cardSign")) {
			verified = true
			break
		}
	}
	if !verified {
		page.Error = "cardSign 校验失败：应为 sha1(排序后的 [wx_card ticket, appid, timestamp, nonceStr, \"INVOICE\"] 拼接)。"
		if len(tickets) == 0 {
			page.Error += " 该应用没有有效的 wx_card ticket（ticket 随获取它的 access_token 一起失效）。"
		}
		return render()
	}
	u, err := s.userByOpenID(ctx, app.channel, app.appID, c.Query("openid"))
	if err != nil {
		return err
	}
	if u == nil {
		page.Error = "没有已登录的沙箱用户（openid " + c.Query("openid") + " 不属于该应用）。"
		return render()
	}
	page.OwnerName = u.Name
	rows, err := s.wallet(ctx, u.OpenID, app.channel)
	if err != nil {
		return err
	}
	for _, r := range rows {
		d := r.data()
		number := r.BillingNo
		if r.BillingCode != "" {
			number = r.BillingCode + " " + r.BillingNo
		}
		page.Items = append(page.Items, pickerItem{
			CardID: r.CardID, EncryptCode: r.EncryptCode, AppID: r.IssuerAppID,
			Payee: r.Payee, Type: r.Type, Number: number, Fee: r.Fee,
			Date:       time.Unix(d.BillingTime, 0).In(chinaTime).Format("2006-01-02"),
			Selectable: r.Status == statusInit, StatusText: statusText[r.Status],
		})
	}
	return render()
}
