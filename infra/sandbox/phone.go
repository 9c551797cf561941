package sandbox

import (
	_ "embed"
	"html/template"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// The demo "phone" (issue 17): a page where a person of the demo company
// is picked by name and sees what WeChat delivered to them — WeCom app
// messages (text, textcard, template_card with its buttons) and OA
// template messages — newest first, refreshed every few seconds. A
// template_card's callback button is clicked through the control call
// POST /_control/cards/click, as a member tapping it in WeCom; the card
// then shows what its update_template_card said (「已同意」…). Everything
// comes from GET /_control/users and GET /_control/messages.

//go:embed static/phone.js
var phoneJS string

var phonePage = template.Must(template.New("phone").Parse(`<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>演示手机 · 微信沙箱</title>
<link rel="icon" href="data:,">
<style>
body{margin:0;font:15px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#ededed;color:#191919}
header{background:#07c160;color:#fff;padding:12px 16px;font-weight:600;display:flex;gap:8px;align-items:center;justify-content:space-between}
header select{font:inherit;max-width:60%}
main{padding:10px 12px}
.note{color:#888;font-size:13px;margin:8px 4px}
.msg{background:#fff;border-radius:8px;margin:0 0 10px;padding:12px 14px}
.msg .via{color:#888;font-size:12px;display:flex;justify-content:space-between}
.msg h3{margin:4px 0;font-size:16px}
.msg p{margin:4px 0;white-space:pre-wrap}
.msg .rows{margin:6px 0;padding:0;list-style:none;color:#555}
.btns{display:flex;gap:8px;margin-top:8px;flex-wrap:wrap}
.btns button,.btns a{font:inherit;border:1px solid #07c160;border-radius:6px;padding:4px 14px;background:#fff;color:#07c160;text-decoration:none}
.btns button.primary{background:#07c160;color:#fff}
.decided{color:#888;border-top:1px solid #eee;margin-top:8px;padding-top:6px}
.err{color:#fa5151}
</style></head><body>
<header><span>演示手机 · 通知</span>
<select id="phone-user" aria-label="选择演示用户"><option value="">选择用户…</option></select></header>
<main>
<p class="note" id="phone-note">选一位演示用户，看送到他手机上的企业微信应用消息和公众号模板消息（最新的在上面，自动刷新）。点卡片上的按钮，相当于他在企业微信里点了它。</p>
<div id="phone-error" class="err" aria-live="polite"></div>
<div id="phone-messages"></div>
</main>
<script src="{{.Base}}/_phone.js"></script>
</body></html>`))

// GET /_phone[?user=<employee id>]: the demo phone.
func (s *Sandbox) handlePhone(c *fiber.Ctx) error {
	base := ""
	if mp := s.app.MountPath(); mp != "" && mp != "/" {
		base = strings.TrimSuffix(mp, "/")
	}
	c.Type("html", "utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return phonePage.Execute(c.Response().BodyWriter(), map[string]string{"Base": base})
}

// GET /_phone.js
func (s *Sandbox) handlePhoneJS(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/javascript; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.SendString(phoneJS)
}
