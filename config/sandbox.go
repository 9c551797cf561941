package config

// Demo credentials of the embedded sandbox. The sandbox package registers the
// same values, so a sandbox-mode process signs in and calls WeChat with no
// setup. They are public: never accept them from real WeChat.
const (
	SandboxOAAppID           = "wxsandbox0000000001"
	SandboxOAAppSecret       = "sandbox-oa-secret"
	SandboxOACallbackToken   = "sandbox"
	SandboxWorkCorpID        = "wwsandbox000000001"
	SandboxWorkAgentID       = "1000002"
	SandboxWorkSecret        = "sandbox-work-secret"
	SandboxWorkCallbackToken = "sandbox"
	// WeCom callbacks are always encrypted, so the demo corp has a key too.
	SandboxWorkEncodingAESKey = "YmFveGlhby1zYW5kYm94LXdlY29tLWFlcy1rZXktMzI"
	SandboxCompanyName        = "演示科技有限公司"
	// The demo Official Account's template ids (the sandbox knows them).
	SandboxTemplateStepPending      = "tpl_sandbox_step_pending"
	SandboxTemplateRejected         = "tpl_sandbox_rejected"
	SandboxTemplateApproved         = "tpl_sandbox_approved"
	SandboxTemplatePaid             = "tpl_sandbox_paid"
	SandboxTemplateInvoiceCancelled = "tpl_sandbox_invoice_cancelled"
)

// sandboxDefaults points the WeChat bases at the embedded simulator (it
// serves WeChat's own paths under sandbox.base_url) and fills the demo
// credentials, each only where the operator set nothing.
func (l *loader) sandboxDefaults() {
	c := l.cfg
	base := c.Simulator.BaseURL
	l.fill("wechat.api_base", &c.WeChat.APIBase, base)
	l.fill("wechat.work_api_base", &c.WeChat.WorkAPIBase, base)
	l.fill("wechat.open_base", &c.WeChat.OpenBase, base)
	l.fill("wechat.oa.app_id", &c.WeChat.OA.AppID, SandboxOAAppID)
	l.fillSecret("wechat.oa.app_secret", &c.WeChat.OA.AppSecret, SandboxOAAppSecret)
	l.fillSecret("wechat.oa.callback_token", &c.WeChat.OA.CallbackToken, SandboxOACallbackToken)
	l.fill("wechat.oa.templates.step_pending", &c.WeChat.OA.Templates.StepPending, SandboxTemplateStepPending)
	l.fill("wechat.oa.templates.rejected", &c.WeChat.OA.Templates.Rejected, SandboxTemplateRejected)
	l.fill("wechat.oa.templates.approved", &c.WeChat.OA.Templates.Approved, SandboxTemplateApproved)
	l.fill("wechat.oa.templates.paid", &c.WeChat.OA.Templates.Paid, SandboxTemplatePaid)
	l.fill("wechat.oa.templates.invoice_cancelled", &c.WeChat.OA.Templates.InvoiceCancelled, SandboxTemplateInvoiceCancelled)
	l.fill("wechat.work.corp_id", &c.WeChat.Work.CorpID, SandboxWorkCorpID)
	l.fill("wechat.work.agent_id", &c.WeChat.Work.AgentID, SandboxWorkAgentID)
	l.fillSecret("wechat.work.secret", &c.WeChat.Work.Secret, SandboxWorkSecret)
	l.fillSecret("wechat.work.callback_token", &c.WeChat.Work.CallbackToken, SandboxWorkCallbackToken)
	l.fillSecret("wechat.work.encoding_aes_key", &c.WeChat.Work.EncodingAESKey, SandboxWorkEncodingAESKey)
	l.fill("company.name", &c.Company.Name, SandboxCompanyName)
	// The sandbox serves a stand-in for WeChat's JS-SDK (DECISIONS 15).
	l.fill("h5.jweixin_url", &c.H5.JWeixinURL, base+"/jweixin.js")
}
