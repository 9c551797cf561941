package sandbox

import (
	"html/template"
	"net/url"

	"github.com/gofiber/fiber/v2"
)

// POST /card/invoice/biz/getusertitleurl {user_fill, title, phone, tax_no,
// addr, bank_type, bank_no, out_title_id} → {url}: a page where the user
// adds an invoice title (抬头) to their WeChat (wechat-protocol.md §9).
func (s *Sandbox) handleUserTitleURL(c *fiber.Ctx) error {
	if _, ok := s.authToken(c, channelOA); !ok {
		return nil
	}
	var req struct {
		UserFill looseInt    `json:"user_fill"`
		Title    looseString `json:"title"`
		TaxNo    looseString `json:"tax_no"`
	}
	if !decodeBody(c, &req) {
		return fail(c, 47001)
	}
	if fill := req.UserFill.V; fill != 0 && fill != 1 || fill == 0 && req.Title.V == "" {
		return fail(c, 40097) // invalid args
	}
	q := url.Values{"title": {req.Title.V}, "tax_no": {req.TaxNo.V}}
	return reply(c, struct {
		wxStatus
		URL string `json:"url"`
	}{okStatus(), s.opts.PublicBase + "/_title?" + q.Encode()})
}

var titlePage = template.Must(template.New("title").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>添加发票抬头 · 微信沙箱</title></head>
<body style="font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:30rem;padding:0 1rem">
<h1>添加发票抬头</h1><p>沙箱模拟：在真实微信中，此页把下列抬头存入“我的发票抬头”。</p>
<p>抬头：<strong>{{.Title}}</strong><br>税号：<strong>{{.TaxNo}}</strong></p>
<button id="sandbox-title-save" onclick="this.textContent='已保存'">保存</button>
</body></html>`))

// GET /_title?title&tax_no: the sandbox's stand-in for WeChat's title page.
func (s *Sandbox) handleTitlePage(c *fiber.Ctx) error {
	c.Type("html", "utf-8")
	return titlePage.Execute(c.Response().BodyWriter(), map[string]string{"Title": c.Query("title"), "TaxNo": c.Query("tax_no")})
}
