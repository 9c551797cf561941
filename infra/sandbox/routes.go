package sandbox

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
)

func (s *Sandbox) routes() *fiber.App {
	app := fiber.New(fiber.Config{
		AppName:               "baoxiao WeChat sandbox",
		Immutable:             true,
		DisableStartupMessage: true,
		BodyLimit:             4 << 20,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			if fe, ok := err.(*fiber.Error); ok {
				return c.Status(fe.Code).SendString(fe.Message)
			}
			s.log.Error("sandbox failure", "path", c.Path(), "err", err)
			return c.Status(fiber.StatusInternalServerError).JSON(wxStatus{-1, errmsg(-1)})
		},
	})
	app.Use(recover.New())

	// Official Account (api.weixin.qq.com).
	app.Get("/cgi-bin/token", s.api(s.handleToken))
	app.Post("/cgi-bin/stable_token", s.api(s.handleStableToken))
	app.Get("/cgi-bin/ticket/getticket", s.api(s.handleOATicket))
	oaR := "/card/invoice/reimburse/"
	app.Post(oaR+"getinvoiceinfo", s.api(s.handleGetInvoiceInfo(channelOA)))
	app.Post(oaR+"getinvoicebatch", s.api(s.handleGetInvoiceBatch(channelOA)))
	app.Post(oaR+"updateinvoicestatus", s.api(s.handleUpdateInvoiceStatus(channelOA)))
	app.Post(oaR+"updatestatusbatch", s.api(s.handleUpdateStatusBatch(channelOA)))
	app.Get("/sns/oauth2/access_token", s.api(s.handleSNSAccessToken))
	app.Post("/card/invoice/biz/getusertitleurl", s.api(s.handleUserTitleURL))
	app.Get("/_title", s.handleTitlePage)
	// Issuer side.
	app.Post("/card/invoice/insert", s.api(s.handleInsert))
	app.Post("/card/invoice/platform/updatestatus", s.api(s.handlePlatformUpdateStatus))
	app.Post("/card/code/decrypt", s.api(s.handleCodeDecrypt))

	// WeCom (qyapi.weixin.qq.com).
	app.Get("/cgi-bin/gettoken", s.api(s.handleWorkToken))
	app.Get("/cgi-bin/get_jsapi_ticket", s.api(s.handleWorkJSAPITicket))
	app.Get("/cgi-bin/ticket/get", s.api(s.handleWorkTicket))
	wcR := "/cgi-bin/card/invoice/reimburse/"
	app.Post(wcR+"getinvoiceinfo", s.api(s.handleGetInvoiceInfo(channelWork)))
	app.Post(wcR+"getinvoiceinfobatch", s.api(s.handleGetInvoiceBatch(channelWork)))
	app.Post(wcR+"updateinvoicestatus", s.api(s.handleUpdateInvoiceStatus(channelWork)))
	app.Post(wcR+"updatestatusbatch", s.api(s.handleUpdateStatusBatch(channelWork)))
	app.Get("/cgi-bin/auth/getuserinfo", s.api(s.handleWorkUserInfo))
	app.Get("/cgi-bin/user/getuserinfo", s.api(s.handleWorkUserInfoOld))
	app.Post("/cgi-bin/user/convert_to_openid", s.api(s.handleConvertToOpenID))
	app.Post("/cgi-bin/user/convert_to_userid", s.api(s.handleConvertToUserID))
	app.Get("/cgi-bin/department/list", s.api(s.handleDepartmentList))
	app.Get("/cgi-bin/department/simplelist", s.api(s.handleDepartmentSimpleList))
	app.Get("/cgi-bin/department/get", s.api(s.handleDepartmentGet))
	app.Get("/cgi-bin/user/list", s.api(s.handleUserList))
	app.Get("/cgi-bin/user/simplelist", s.api(s.handleUserSimpleList))
	app.Get("/cgi-bin/user/get", s.api(s.handleUserGet))
	app.Post("/cgi-bin/message/send", s.api(s.handleMessageSend))
	app.Post("/cgi-bin/message/update_template_card", s.api(s.handleUpdateTemplateCard))
	// OA messages.
	app.Get("/cgi-bin/user/info", s.api(s.handleOAUserInfo))
	app.Post("/cgi-bin/message/template/send", s.api(s.handleTemplateSend))

	// OAuth page (open.weixin.qq.com), for both: appid is the OA appid or
	// the corpid.
	app.Get("/connect/oauth2/authorize", s.handleAuthorize)

	// JS-SDK stand-ins.
	app.Get("/jweixin.js", s.handleJweixin)
	app.Get("/jsbridge.js", s.handleJSBridge)
	app.Use("/_js", corsJS)
	app.Post("/_js/verify-config", s.handleVerifyConfig)
	app.Post("/_js/verify-agent-config", s.handleVerifyAgentConfig)
	app.Get("/_js/choose-invoice", s.handleChooseInvoice)

	app.Get("/_files/:name", s.handleFile)

	// The demo phone: the notices delivered to a demo person.
	app.Get("/_phone", s.handlePhone)
	app.Get("/_phone.js", s.handlePhoneJS)

	// Test control.
	ctl := app.Group("/_control")
	ctl.Post("/faults", s.ctlWrap(s.ctlSetFault))
	ctl.Delete("/faults", s.ctlWrap(s.ctlClearFault))
	ctl.Get("/faults", s.ctlWrap(s.ctlGetFault))
	ctl.Post("/tokens/expire", s.ctlWrap(s.ctlExpireTokens))
	ctl.Get("/invoice", s.ctlWrap(s.ctlInvoice))
	ctl.Post("/invoice", s.ctlWrap(s.ctlSetInvoice))
	ctl.Post("/invoices", s.ctlWrap(s.ctlAddInvoice))
	ctl.Get("/wallets/:openid", s.ctlWrap(s.ctlWallet))
	ctl.Get("/calls", s.ctlWrap(s.ctlCalls))
	ctl.Delete("/calls", s.ctlWrap(s.ctlClearCalls))
	ctl.Get("/events", s.ctlWrap(s.ctlPushes))
	ctl.Delete("/events", s.ctlWrap(s.ctlClearPushes))
	ctl.Get("/switches", s.ctlWrap(s.ctlGetSwitches))
	ctl.Post("/switches", s.ctlWrap(s.ctlSetSwitches))
	ctl.Get("/users", s.ctlWrap(s.ctlUsers))
	ctl.Post("/users", s.ctlWrap(s.ctlAddUser))
	ctl.Post("/tickets", s.ctlWrap(s.ctlPinTicket))
	ctl.Get("/messages", s.ctlWrap(s.ctlMessages))
	ctl.Delete("/messages", s.ctlWrap(s.ctlClearMessages))
	ctl.Post("/followers", s.ctlWrap(s.ctlFollowers))
	ctl.Post("/cards/click", s.ctlWrap(s.ctlClickCard))
	ctl.Post("/template-jobs", s.ctlWrap(s.ctlPushTemplateJobs))
	return app
}
