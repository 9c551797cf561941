package service_test

import (
	"net/http"
	"strings"
)

// answer is what the contract promises for a bad request.
type answer struct {
	status int
	code   string
}

// The answers of shared/API.md's error table; Yuanian calls answer HTTP
// 200 with a result code (wechat-protocol.md §10).
var (
	invalid     = answer{http.StatusBadRequest, "request.invalid"}
	forbidden   = answer{http.StatusForbidden, "auth.forbidden"}
	notFound    = answer{http.StatusNotFound, "not_found"}
	unknownType = answer{http.StatusUnprocessableEntity, "expense_type.unknown"}
	notPayable  = answer{http.StatusConflict, "payment.not_payable"}
	noAccount   = answer{http.StatusUnprocessableEntity, "payment.no_bank_account"}
	staleVer    = answer{http.StatusConflict, "conflict.version"}
	badMove     = answer{http.StatusConflict, "report.invalid_transition"}
	inReport    = answer{http.StatusConflict, "invoice.in_report"}
	emptyReport = answer{http.StatusUnprocessableEntity, "report.empty"}
	// notInWallet is a per-item refusal: 200 with the reason in failed[].
	notInWallet = answer{http.StatusOK, "invoice.not_in_wallet"}
	ynBadReq    = answer{http.StatusOK, "1003"}
	ynAuthFail  = answer{http.StatusOK, "1001"}
	ynReplayed  = answer{http.StatusOK, "1002"}
	ynNotFound  = answer{http.StatusOK, "1004"}
	ynConflict  = answer{http.StatusOK, "2003"}
)

// browser is a browser request: route, what is wrong, session, path ("" =
// the route's sample), raw body.
func browser(route, name, as, target, body string, want answer) badCase {
	return badCase{route: route, name: name, as: as, target: target, body: body, status: want.status, code: want.code}
}

// erp is a correctly signed /open/v1 call with a bad request inside.
func erp(route, name, target, body string, want answer) badCase {
	return badCase{route: route, name: name, target: target, body: body, sign: signedRight, status: want.status, code: want.code}
}

// yn is a correctly signed Yuanian call with a bad request inside.
func yn(route, name string, r ynReq, want answer) badCase {
	return badCase{route: route, name: name, yn: &r, status: want.status, code: want.code}
}

// oaCallbackQuery is signed with the sandbox's token and a current
// timestamp (filled in when sent).
const oaCallbackQuery = "?signature={oa-sig}&timestamp={cb-ts}&nonce=42"

// specificCases are the wrong types, values, roles and owners, route by
// route. Demo users: emp-li and emp-wang (employees), mgr-zhao (approver
// of both), mgr-qian (an approver of neither), fin-chen (finance), admin.
func specificCases() []badCase {
	many := func(n int, item string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + "]"
	}
	long := strings.Repeat("x", 65)
	// A cursor of the right encoding but the wrong content, and one that
	// is not base64url at all.
	const emptyCursor, junkCursor = "e30", "%%%not-a-cursor"
	return []badCase{
		// Sessions.
		browser("POST /auth/sandbox/login", "user is a number", "", "", `{"user":42}`, invalid),
		browser("POST /auth/sandbox/login", "no user", "", "", `{}`, invalid),
		browser("POST /auth/sandbox/login", "unknown user", "", "", `{"user":"nobody"}`, invalid),
		browser("POST /auth/sandbox/login", "unknown channel", "", "", `{"user":"emp-li","channel":"fax"}`, invalid),
		browser("GET /auth/oa/callback", "no state cookie", "", "", "", answer{http.StatusUnauthorized, "auth.required"}),
		browser("GET /auth/work/callback", "no state cookie", "", "", "", answer{http.StatusUnauthorized, "auth.required"}),

		// WeChat callbacks.
		browser("GET /wechat/oa/callback", "no signature", "", "/wechat/oa/callback?echostr=hi", "", answer{http.StatusUnauthorized, "signature.invalid"}),
		browser("GET /wechat/work/callback", "undecryptable echostr", "", "/wechat/work/callback?timestamp={cb-ts}&nonce=2&echostr=AAAA&msg_signature={work-sig-aaaa}", "",
			answer{http.StatusUnauthorized, "signature.invalid"}),
		{route: "POST /wechat/oa/callback", name: "signed but not XML", target: "/wechat/oa/callback" + oaCallbackQuery, body: `{"MsgType":"event"}`, ctype: "text/xml",
			status: http.StatusBadRequest, code: "request.invalid"},
		{route: "POST /wechat/work/callback", name: "plaintext XML", target: "/wechat/work/callback?timestamp=1&nonce=2&msg_signature=0", body: "<xml><MsgType>event</MsgType></xml>", ctype: "text/xml",
			status: http.StatusBadRequest, code: "request.invalid"},
		{route: "POST /wechat/work/callback", name: "signed but undecryptable", target: "/wechat/work/callback?timestamp={cb-ts}&nonce=2&msg_signature={work-sig-aaaa}",
			body: "<xml><Encrypt>AAAA</Encrypt></xml>", ctype: "text/xml", status: http.StatusUnauthorized, code: "signature.invalid"},

		browser("GET /api/v1/me", "deactivated employee", goneEmployee, "", "", answer{http.StatusUnauthorized, "auth.required"}),
		browser("POST /api/v1/reports", "deactivated employee", goneEmployee, "", `{"title":"x"}`, answer{http.StatusUnauthorized, "auth.required"}),

		// JS-SDK.
		browser("GET /api/v1/jsapi/config", "no url", "emp-li", "/api/v1/jsapi/config", "", invalid),
		browser("GET /api/v1/jsapi/config", "foreign origin", "emp-li", "/api/v1/jsapi/config?url=https://evil.example/h5/", "", invalid),
		browser("GET /api/v1/jsapi/config", "not a URL", "emp-li", "/api/v1/jsapi/config?url=%25%25", "", invalid),
		browser("POST /api/v1/jsapi/choose-invoice-sign", "no url", "emp-li", "", `{}`, invalid),
		browser("POST /api/v1/jsapi/choose-invoice-sign", "url is a number", "emp-li", "", `{"url":5}`, invalid),
		browser("POST /api/v1/jsapi/choose-invoice-sign", "foreign origin", "emp-li", "", `{"url":"https://evil.example/h5/"}`, invalid),

		// Invoices.
		// Invoice files (issue 16).
		browser("PATCH /api/v1/invoices/:id", "a wallet invoice's fields", "emp-li", "", `{"amount":"1.00"}`, invalid),
		browser("PATCH /api/v1/invoices/:id", "emp-wang on emp-li's invoice", "emp-wang", "", `{"amount":"1.00"}`, notFound),
		browser("PATCH /api/v1/invoices/:id", "amount is a number", "emp-li", "", `{"amount":1}`, invalid),
		browser("PATCH /api/v1/invoices/:id", "unknown invoice", "emp-li", "/api/v1/invoices/inv_nosuch", `{"amount":"1.00"}`, notFound),
		upload("POST /api/v1/invoices/upload", "51 files", "emp-li", strings.Repeat(formFile("a.xml", "<x/>")+"\r\n--X\r\n", 50)+formFile("a.xml", "<x/>"), invalid),
		erp("POST /open/v1/invoices/upload", "no Idempotency-Key", "", multipartText(formField("employee_id", "emp-li"), formFile("a.xml", "<x/>")), invalid).signed(signedNoKey).multipart(),
		erp("POST /open/v1/invoices/upload", "a deactivated employee", "", multipartText(formField("employee_id", goneEmployee), formFile("a.xml", "<x/>")), invalid).multipart(),
		browser("POST /api/v1/invoices/import", "no items", "emp-li", "", `{}`, invalid),
		browser("POST /api/v1/invoices/import", "items is an object", "emp-li", "", `{"items":{"card_id":"a","encrypt_code":"b"}}`, invalid),
		browser("POST /api/v1/invoices/import", "item without encrypt_code", "emp-li", "", `{"items":[{"card_id":"a"}]}`, invalid),
		browser("POST /api/v1/invoices/import", "card_id is a number", "emp-li", "", `{"items":[{"card_id":1,"encrypt_code":"b"}]}`, invalid),
		browser("POST /api/v1/invoices/import", "101 items", "emp-li", "", `{"items":`+many(101, `{"card_id":"a","encrypt_code":"b"}`)+`}`, invalid),
		browser("POST /api/v1/invoices/import", "items and choose_invoice_info", "emp-li", "", `{"items":[{"card_id":"a","encrypt_code":"b"}],"choose_invoice_info":"[]"}`, invalid),
		browser("POST /api/v1/invoices/import", "choose_invoice_info not JSON", "emp-li", "", `{"choose_invoice_info":"{oops"}`, invalid),
		browser("POST /api/v1/invoices/import", "choose_invoice_info a number", "emp-li", "", `{"choose_invoice_info":7}`, invalid),
		// An import refuses per invoice: 200 with the reason in failed[].
		browser("POST /api/v1/invoices/import", "mgr-zhao's wallet", "emp-li", "", `{"items":[{"card_id":"{zhao-wallet-card}","encrypt_code":"{zhao-wallet-encrypt}"}]}`, notInWallet),
		browser("POST /api/v1/invoices/import", "mgr-zhao's wallet among emp-li's", "emp-li", "", `{"items":[{"card_id":"{li-card}","encrypt_code":"{li-encrypt}"},{"card_id":"{zhao-wallet-card}","encrypt_code":"{zhao-wallet-encrypt}"}]}`, notInWallet),
		// WeChat itself refuses codes it cannot resolve for our app (72031):
		// the card is in none of its wallets, an answer about the item.
		browser("POST /api/v1/invoices/import", "card of another channel's wallet", "emp-li", "", `{"items":[{"card_id":"{wang-wallet-card}","encrypt_code":"{wang-wallet-encrypt}"}]}`, notInWallet),
		browser("POST /api/v1/invoices/import", "unknown card", "emp-li", "", `{"items":[{"card_id":"pNoSuchCard","encrypt_code":"nosuchcode"}]}`, notInWallet),
		browser("GET /api/v1/invoices", "unknown status", "emp-li", "/api/v1/invoices?status=lost", "", invalid),
		browser("GET /api/v1/invoices", "limit 0", "emp-li", "/api/v1/invoices?limit=0", "", invalid),
		browser("GET /api/v1/invoices", "negative limit", "emp-li", "/api/v1/invoices?limit=-1", "", invalid),
		browser("GET /api/v1/invoices", "limit 501", "emp-li", "/api/v1/invoices?limit=501", "", invalid),
		browser("GET /api/v1/invoices", "huge limit", "emp-li", "/api/v1/invoices?limit=99999999999999999999", "", invalid),
		browser("GET /api/v1/invoices", "limit not a number", "emp-li", "/api/v1/invoices?limit=ten", "", invalid),
		browser("GET /api/v1/invoices", "cursor not base64", "emp-li", "/api/v1/invoices?cursor="+junkCursor, "", invalid),
		browser("GET /api/v1/invoices", "cursor without id", "emp-li", "/api/v1/invoices?cursor="+emptyCursor, "", invalid),
		browser("GET /api/v1/invoices/:id", "emp-wang's invoice", "emp-li", "/api/v1/invoices/{wang-invoice}", "", notFound),
		browser("GET /api/v1/invoices/:id", "unknown id", "emp-li", "/api/v1/invoices/inv_nosuchinvoice", "", notFound),
		browser("GET /api/v1/invoices/:id", "id of 300 characters", "emp-li", "/api/v1/invoices/inv_"+strings.Repeat("9", 300), "", notFound),
		browser("GET /api/v1/invoices/:id", "free invoice, approver", "mgr-zhao", "", "", notFound),
		browser("GET /api/v1/invoices/:id/original", "emp-wang's invoice", "emp-li", "/api/v1/invoices/{wang-invoice}/original", "", notFound),
		browser("GET /api/v1/invoices/:id/pdf", "unknown id", "emp-li", "/api/v1/invoices/inv_nosuchinvoice/pdf", "", notFound),
		browser("GET /api/v1/invoices/:id/originals/:sha256", "path in the hash", "emp-li", "/api/v1/invoices/{li-invoice}/originals/..%2F..%2Fetc%2Fpasswd", "", notFound),
		browser("DELETE /api/v1/invoices/:id", "emp-wang's invoice", "emp-li", "/api/v1/invoices/{wang-invoice}", "", notFound),
		browser("DELETE /api/v1/invoices/:id", "by the approver", "mgr-zhao", "", "", notFound),
		browser("DELETE /api/v1/invoices/:id", "in a draft report", "emp-li", "/api/v1/invoices/{li-draft-invoice}", "", inReport),
		browser("DELETE /api/v1/invoices/:id", "unknown id", "emp-li", "/api/v1/invoices/inv_nosuchinvoice", "", notFound),

		// Reports.
		browser("POST /api/v1/reports", "no title", "emp-li", "", `{"invoice_ids":[]}`, invalid),
		browser("POST /api/v1/reports", "blank title", "emp-li", "", `{"title":"  "}`, invalid),
		browser("POST /api/v1/reports", "title is a number", "emp-li", "", `{"title":5}`, invalid),
		browser("POST /api/v1/reports", "invoice_ids is a string", "emp-li", "", `{"title":"x","invoice_ids":"{li-invoice}"}`, invalid),
		browser("POST /api/v1/reports", "invoice id is a number", "emp-li", "", `{"title":"x","invoice_ids":[12]}`, invalid),
		browser("POST /api/v1/reports", "101 invoices", "emp-li", "", `{"title":"x","invoice_ids":`+many(101, `"inv_x"`)+`}`, invalid),
		browser("POST /api/v1/reports", "emp-wang's invoice", "emp-li", "", `{"title":"x","invoice_ids":["{wang-invoice}"]}`, notFound),
		browser("POST /api/v1/reports", "unknown invoice", "emp-li", "", `{"title":"x","invoice_ids":["inv_nosuchinvoice"]}`, notFound),
		browser("POST /api/v1/reports", "invoice in another report", "emp-li", "", `{"title":"x","invoice_ids":["{li-draft-invoice}"]}`, inReport),
		browser("POST /api/v1/reports", "not UTF-8", "emp-li", "", "{\"title\":\"\xff\xfe\"}", invalid),
		browser("POST /api/v1/reports", "two JSON values", "emp-li", "", `{"title":"x"}{"title":"y"}`, invalid),
		browser("POST /api/v1/reports", "nested 100000 deep", "emp-li", "", `{"title":`+strings.Repeat("[", 100000), invalid),
		browser("POST /api/v1/reports", "title of 1000 characters", "emp-li", "", `{"title":"`+strings.Repeat("长", 1000)+`"}`, invalid),
		browser("GET /api/v1/reports", "scope all, employee", "emp-li", "/api/v1/reports?scope=all", "", forbidden),
		browser("GET /api/v1/reports", "scope all, approver", "mgr-zhao", "/api/v1/reports?scope=all", "", forbidden),
		browser("GET /api/v1/reports", "unknown scope", "emp-li", "/api/v1/reports?scope=everything", "", invalid),
		browser("GET /api/v1/reports", "unknown status", "emp-li", "/api/v1/reports?status=draft,lost", "", invalid),
		browser("GET /api/v1/reports", "limit 501", "emp-li", "/api/v1/reports?limit=501", "", invalid),
		browser("GET /api/v1/reports", "bad cursor", "emp-li", "/api/v1/reports?cursor="+junkCursor, "", invalid),
		browser("GET /api/v1/reports/:id", "emp-wang's report", "emp-li", "/api/v1/reports/{wang-draft}", "", notFound),
		browser("GET /api/v1/reports/:id", "not the approver", otherApprover, "/api/v1/reports/{li-submitted}", "", notFound),
		browser("GET /api/v1/reports/:id", "quote in the id", "emp-li", "/api/v1/reports/rpt_'%20OR%20'1'='1", "", notFound),
		browser("GET /api/v1/reports/:id", "unknown id", "emp-li", "/api/v1/reports/rpt_nosuchreport", "", notFound),
		browser("PATCH /api/v1/reports/:id", "no version", "emp-li", "", `{"title":"x"}`, invalid),
		browser("PATCH /api/v1/reports/:id", "version is a string", "emp-li", "", `{"version":"{li-draft-version}","title":"x"}`, invalid),
		browser("PATCH /api/v1/reports/:id", "stale version", "emp-li", "", `{"version":999,"title":"x"}`, staleVer),
		browser("PATCH /api/v1/reports/:id", "title is an array", "emp-li", "", `{"version":{li-draft-version},"title":["x"]}`, invalid),
		browser("PATCH /api/v1/reports/:id", "emp-wang's invoice", "emp-li", "", `{"version":{li-draft-version},"invoice_ids":["{wang-invoice}"]}`, notFound),
		browser("PATCH /api/v1/reports/:id", "emp-wang's report", "emp-li", "/api/v1/reports/{wang-draft}", `{"version":0,"title":"x"}`, notFound),
		browser("PATCH /api/v1/reports/:id", "submitted report", "emp-li", "/api/v1/reports/{li-submitted}", `{"version":{li-submitted-version},"title":"x"}`, badMove),
		browser("PATCH /api/v1/reports/:id", "by the approver", "mgr-zhao", "/api/v1/reports/{li-submitted}", `{"version":{li-submitted-version},"title":"x"}`, forbidden),
		browser("DELETE /api/v1/reports/:id", "emp-wang's report", "emp-li", "/api/v1/reports/{wang-draft}", "", notFound),
		browser("DELETE /api/v1/reports/:id", "submitted report", "emp-li", "/api/v1/reports/{li-submitted}", "", badMove),
		browser("DELETE /api/v1/reports/:id", "approved report", "emp-li", "/api/v1/reports/{li-approved}", "", badMove),
		browser("DELETE /api/v1/reports/:id", "by the approver", "mgr-zhao", "/api/v1/reports/{li-submitted}", "", forbidden),
		browser("DELETE /api/v1/reports/:id", "unknown id", "emp-li", "/api/v1/reports/rpt_nosuchreport", "", notFound),
		browser("POST /api/v1/reports/:id/submit", "empty report", "emp-li", "/api/v1/reports/{li-empty}/submit", "", emptyReport),
		browser("POST /api/v1/reports/:id/submit", "already submitted", "emp-li", "/api/v1/reports/{li-submitted}/submit", "", badMove),
		browser("POST /api/v1/reports/:id/submit", "approved", "emp-li", "/api/v1/reports/{li-approved}/submit", "", badMove),
		browser("POST /api/v1/reports/:id/submit", "emp-wang's report", "emp-li", "/api/v1/reports/{wang-draft}/submit", "", notFound),
		browser("POST /api/v1/reports/:id/withdraw", "a draft", "emp-li", "/api/v1/reports/{li-draft}/withdraw", "", badMove),
		browser("POST /api/v1/reports/:id/withdraw", "approved", "emp-li", "/api/v1/reports/{li-approved}/withdraw", "", badMove),
		browser("POST /api/v1/reports/:id/withdraw", "by another employee", "emp-wang", "", "", notFound),
		browser("POST /api/v1/reports/:id/withdraw", "by the approver", "mgr-zhao", "", "", forbidden),
		browser("POST /api/v1/reports/:id/approve", "own report, employee", "emp-li", "", "", forbidden),
		browser("POST /api/v1/reports/:id/approve", "another employee", "emp-wang", "", "", notFound),
		browser("POST /api/v1/reports/:id/approve", "not the report's approver", otherApprover, "", "", notFound),
		browser("POST /api/v1/reports/:id/approve", "finance", "fin-chen", "", "", forbidden),
		// A draft is before nobody yet: only its owner, finance and admins see it.
		browser("POST /api/v1/reports/:id/approve", "a draft", "mgr-zhao", "/api/v1/reports/{li-draft}/approve", "", notFound),
		browser("POST /api/v1/reports/:id/approve", "a draft, admin", "admin", "/api/v1/reports/{li-draft}/approve", "", badMove),
		browser("POST /api/v1/reports/:id/transfer", "no approver_id", "mgr-zhao", "", `{}`, invalid),
		browser("POST /api/v1/reports/:id/transfer", "step is a string", "mgr-zhao", "", `{"approver_id":"`+otherApprover+`","step":"1"}`, invalid),
		browser("POST /api/v1/reports/:id/transfer", "step out of range", "mgr-zhao", "", `{"approver_id":"`+otherApprover+`","step":0}`, invalid),
		browser("POST /api/v1/reports/:id/transfer", "to the owner", "mgr-zhao", "", `{"approver_id":"emp-li"}`, invalid),
		browser("POST /api/v1/reports/:id/transfer", "to a plain employee", "mgr-zhao", "", `{"approver_id":"emp-wang"}`, invalid),
		browser("POST /api/v1/reports/:id/transfer", "not the step's approver", "admin", "", `{"approver_id":"`+otherApprover+`"}`, forbidden),
		browser("POST /api/v1/reports/:id/transfer", "a draft", "admin", "/api/v1/reports/{li-draft}/transfer", `{"approver_id":"`+otherApprover+`"}`, badMove),
		browser("POST /api/v1/reports/approve", "no ids", "mgr-zhao", "", `{}`, invalid),
		browser("POST /api/v1/reports/approve", "ids is a string", "mgr-zhao", "", `{"ids":"rpt_x"}`, invalid),
		browser("POST /api/v1/reports/approve", "a blank id", "mgr-zhao", "", `{"ids":[" "]}`, invalid),
		browser("GET /api/v1/admin/approval-policy", "employee", "emp-li", "", "", forbidden),
		browser("PUT /api/v1/admin/approval-policy", "employee", "emp-li", "", `{"version":0,"steps":[{"name":"a","approvers":"manager","level":1}]}`, forbidden),
		browser("PUT /api/v1/admin/approval-policy", "no version", "admin", "", `{"steps":[{"name":"a","approvers":"manager","level":1}]}`, invalid),
		browser("PUT /api/v1/admin/approval-policy", "no steps", "admin", "", `{"version":0,"steps":[]}`, invalid),
		browser("PUT /api/v1/admin/approval-policy", "unknown approvers", "admin", "", `{"version":0,"steps":[{"name":"a","approvers":"boss"}]}`, invalid),
		browser("PUT /api/v1/admin/approval-policy", "level 0", "admin", "", `{"version":0,"steps":[{"name":"a","approvers":"manager","level":0}]}`, invalid),
		browser("PUT /api/v1/admin/approval-policy", "role employee", "admin", "", `{"version":0,"steps":[{"name":"a","approvers":"role","role":"employee"}]}`, invalid),
		browser("PUT /api/v1/admin/approval-policy", "bad amount", "admin", "", `{"version":0,"steps":[{"name":"a","approvers":"manager","level":1,"amount_above":"5k"}]}`, invalid),
		browser("PUT /api/v1/admin/approval-policy", "bad mode", "admin", "", `{"version":0,"steps":[{"name":"a","approvers":"manager","level":1,"mode":"most"}]}`, invalid),
		browser("PUT /api/v1/admin/approval-policy", "unknown field", "admin", "", `{"version":0,"steps":[{"name":"a","approvers":"manager","level":1,"who":"x"}]}`, invalid),
		browser("PUT /api/v1/admin/approval-policy", "stale version", "admin", "", `{"version":7,"steps":[{"name":"a","approvers":"manager","level":1}]}`, answer{http.StatusConflict, "conflict.version"}),
		browser("POST /api/v1/reports/:id/approve", "already approved", "mgr-zhao", "/api/v1/reports/{li-approved}/approve", "", badMove),
		browser("POST /api/v1/reports/:id/approve", "comment is a number", "mgr-zhao", "", `{"comment":1}`, invalid),
		browser("POST /api/v1/reports/:id/reject", "no reason", "mgr-zhao", "", `{}`, invalid),
		browser("POST /api/v1/reports/:id/reject", "blank reason", "mgr-zhao", "", `{"reason":" "}`, invalid),
		browser("POST /api/v1/reports/:id/reject", "reason is an object", "mgr-zhao", "", `{"reason":{"text":"no"}}`, invalid),
		browser("POST /api/v1/reports/:id/reject", "own report, employee", "emp-li", "", `{"reason":"no"}`, forbidden),
		browser("POST /api/v1/reports/:id/reject", "not the report's approver", otherApprover, "", `{"reason":"no"}`, notFound),
		browser("POST /api/v1/reports/:id/reject", "already approved", "mgr-zhao", "/api/v1/reports/{li-approved}/reject", `{"reason":"no"}`, badMove),
		browser("POST /api/v1/reports/:id/reassign", "employee", "emp-li", "", `{"approver_id":"`+otherApprover+`"}`, forbidden),
		browser("POST /api/v1/reports/:id/reassign", "approver", "mgr-zhao", "", `{"approver_id":"`+otherApprover+`"}`, forbidden),
		browser("POST /api/v1/reports/:id/reassign", "no approver_id", "admin", "", `{}`, invalid),
		browser("POST /api/v1/reports/:id/reassign", "approver_id is a number", "admin", "", `{"approver_id":7}`, invalid),
		browser("POST /api/v1/reports/:id/reassign", "unknown approver", "admin", "", `{"approver_id":"nobody"}`, invalid),
		browser("POST /api/v1/reports/:id/reassign", "to the report's owner", "admin", "", `{"approver_id":"emp-li"}`, invalid),
		browser("POST /api/v1/reports/:id/reassign", "to a plain employee", "admin", "", `{"approver_id":"emp-wang"}`, invalid),
		browser("POST /api/v1/reports/:id/reassign", "to finance without the approver role", "admin", "", `{"approver_id":"fin-chen"}`, invalid),
		browser("POST /api/v1/reports/:id/reassign", "a draft", "admin", "/api/v1/reports/{li-draft}/reassign", `{"approver_id":"`+otherApprover+`"}`, badMove),
		browser("POST /api/v1/reports/:id/reassign", "unknown report", "admin", "/api/v1/reports/rpt_nosuchreport/reassign", `{"approver_id":"`+otherApprover+`"}`, notFound),

		// Expense details and payment (issue 17).
		browser("PATCH /api/v1/reports/:id", "unknown expense type", "emp-li", "", `{"version":{li-draft-version},"expense_types":{"{li-draft-invoice}":"yacht"}}`, unknownType),
		browser("PATCH /api/v1/reports/:id", "expense type of another invoice", "emp-li", "", `{"version":{li-draft-version},"expense_types":{"{li-invoice}":"meal"}}`, invalid),
		browser("PATCH /api/v1/reports/:id", "expense_types is a list", "emp-li", "", `{"version":{li-draft-version},"expense_types":["meal"]}`, invalid),
		browser("PATCH /api/v1/reports/:id", "purpose is a number", "emp-li", "", `{"version":{li-draft-version},"purpose":5}`, invalid),
		browser("PATCH /api/v1/reports/:id", "purpose of 501", "emp-li", "", `{"version":{li-draft-version},"purpose":"`+strings.Repeat("事", 501)+`"}`, invalid),
		browser("PATCH /api/v1/reports/:id", "purpose of an approved report", "emp-li", "/api/v1/reports/{li-approved}", `{"version":{li-approved-version},"purpose":"x"}`, badMove),
		browser("GET /api/v1/expense-types", "deactivated employee", goneEmployee, "", "", answer{http.StatusUnauthorized, "auth.required"}),
		browser("GET /api/v1/me/bank-account", "deactivated employee", goneEmployee, "", "", answer{http.StatusUnauthorized, "auth.required"}),
		browser("GET /api/v1/admin/expense-types", "employee", "emp-li", "", "", forbidden),
		browser("PUT /api/v1/admin/expense-types", "employee", "emp-li", "", `[{"code":"x","name":"x"}]`, forbidden),
		browser("PUT /api/v1/admin/expense-types", "finance", "fin-chen", "", `[{"code":"x","name":"x"}]`, forbidden),
		browser("PUT /api/v1/admin/expense-types", "empty list", "admin", "", `[]`, invalid),
		browser("PUT /api/v1/admin/expense-types", "upper-case code", "admin", "", `[{"code":"Travel","name":"差旅"}]`, invalid),
		browser("PUT /api/v1/admin/expense-types", "code twice", "admin", "", `[{"code":"a","name":"x"},{"code":"a","name":"y"}]`, invalid),
		browser("PUT /api/v1/admin/expense-types", "no name", "admin", "", `[{"code":"a"}]`, invalid),
		browser("PUT /api/v1/admin/expense-types", "name is a number", "admin", "", `[{"code":"a","name":1}]`, invalid),
		browser("PUT /api/v1/admin/expense-types", "an object", "admin", "", `{"code":"a","name":"x"}`, invalid),
		browser("PUT /api/v1/me/bank-account", "7 digits", "emp-li", "", `{"bank":"工行","account_number":"1234567","account_name":"李娜"}`, invalid),
		browser("PUT /api/v1/me/bank-account", "letters", "emp-li", "", `{"bank":"工行","account_number":"6222abcd12345678","account_name":"李娜"}`, invalid),
		browser("PUT /api/v1/me/bank-account", "no bank", "emp-li", "", `{"account_number":"6222021234567890","account_name":"李娜"}`, invalid),
		browser("PUT /api/v1/me/bank-account", "no account name", "emp-li", "", `{"bank":"工行","account_number":"6222021234567890"}`, invalid),
		browser("PUT /api/v1/me/bank-account", "number is a number", "emp-li", "", `{"bank":"工行","account_number":6222021234567890,"account_name":"李娜"}`, invalid),
		browser("PUT /api/v1/admin/employees/:id/bank-account", "employee sets another's", "emp-wang", "", `{"bank":"工行","account_number":"6222021234567890","account_name":"x"}`, forbidden),
		browser("PUT /api/v1/admin/employees/:id/bank-account", "unknown employee", "admin", "/api/v1/admin/employees/nobody/bank-account", `{"bank":"工行","account_number":"6222021234567890","account_name":"x"}`, notFound),
		browser("GET /api/v1/admin/employees/:id/bank-account", "employee reads another's", "emp-wang", "", "", forbidden),
		browser("POST /api/v1/payments", "employee", "emp-li", "", `{"report_ids":["{li-approved}"],"paid_on":"2026-11-05","method":"cash"}`, forbidden),
		browser("POST /api/v1/payments", "approver", "mgr-zhao", "", `{"report_ids":["{li-approved}"],"paid_on":"2026-11-05","method":"cash"}`, forbidden),
		browser("POST /api/v1/payments", "no reports", "fin-chen", "", `{"paid_on":"2026-11-05","method":"cash"}`, invalid),
		browser("POST /api/v1/payments", "report_ids is a string", "fin-chen", "", `{"report_ids":"{li-approved}","paid_on":"2026-11-05","method":"cash"}`, invalid),
		browser("POST /api/v1/payments", "a report twice", "fin-chen", "", `{"report_ids":["{li-approved}","{li-approved}"],"paid_on":"2026-11-05","method":"cash"}`, invalid),
		browser("POST /api/v1/payments", "501 reports", "fin-chen", "", `{"report_ids":`+many(501, `"rpt_x"`)+`,"paid_on":"2026-11-05","method":"cash"}`, invalid),
		browser("POST /api/v1/payments", "unknown method", "fin-chen", "", `{"report_ids":["{li-approved}"],"paid_on":"2026-11-05","method":"bitcoin"}`, invalid),
		browser("POST /api/v1/payments", "no date", "fin-chen", "", `{"report_ids":["{li-approved}"],"method":"cash"}`, invalid),
		browser("POST /api/v1/payments", "date in words", "fin-chen", "", `{"report_ids":["{li-approved}"],"paid_on":"today","method":"cash"}`, invalid),
		browser("POST /api/v1/payments", "reference of 101", "fin-chen", "", `{"report_ids":["{li-approved}"],"paid_on":"2026-11-05","method":"cash","reference":"`+strings.Repeat("x", 101)+`"}`, invalid),
		browser("POST /api/v1/payments", "a draft", "fin-chen", "", `{"report_ids":["{li-draft}"],"paid_on":"2026-11-05","method":"cash"}`, notPayable),
		browser("POST /api/v1/payments", "approved with a submitted", "fin-chen", "", `{"report_ids":["{li-approved}","{li-submitted}"],"paid_on":"2026-11-05","method":"cash"}`, notPayable),
		browser("POST /api/v1/payments", "unknown report", "fin-chen", "", `{"report_ids":["rpt_nosuchreport"],"paid_on":"2026-11-05","method":"cash"}`, notPayable),
		browser("POST /api/v1/payments", "bank transfer without an account", "fin-chen", "", `{"report_ids":["{li-approved}"],"paid_on":"2026-11-05","method":"bank_transfer"}`, noAccount),
		browser("GET /api/v1/payments/:id", "employee", "emp-li", "", "", forbidden),
		browser("GET /api/v1/payments/:id", "unknown payment", "fin-chen", "", "", notFound),
		browser("GET /api/v1/payments/:id/bank-file", "employee", "emp-li", "", "", forbidden),
		browser("GET /api/v1/payments/:id/bank-file", "unknown format", "fin-chen", "/api/v1/payments/pay_nosuchpayment/bank-file?format=pdf", "", invalid),
		browser("GET /api/v1/payments/:id/bank-file", "unknown payment", "fin-chen", "/api/v1/payments/pay_nosuchpayment/bank-file?format=csv", "", notFound),

		// Finance.
		browser("GET /api/v1/finance/invoices", "employee", "emp-li", "", "", forbidden),
		browser("GET /api/v1/finance/invoices", "approver", "mgr-zhao", "", "", forbidden),
		browser("GET /api/v1/finance/invoices", "month 13", "fin-chen", "/api/v1/finance/invoices?from=2026-13-01", "", invalid),
		browser("GET /api/v1/finance/invoices", "date in words", "fin-chen", "/api/v1/finance/invoices?to=yesterday", "", invalid),
		browser("GET /api/v1/finance/invoices", "to before from", "fin-chen", "/api/v1/finance/invoices?from=2026-10-02&to=2026-10-01", "", invalid),
		browser("GET /api/v1/finance/invoices", "unknown date_field", "fin-chen", "/api/v1/finance/invoices?date_field=paid_on", "", invalid),
		browser("GET /api/v1/finance/invoices", "unknown report_status", "fin-chen", "/api/v1/finance/invoices?report_status=refunded", "", invalid),
		browser("GET /api/v1/finance/invoices", "unknown wechat_status", "fin-chen", "/api/v1/finance/invoices?wechat_status=GONE", "", invalid),
		browser("GET /api/v1/finance/invoices", "amount in words", "fin-chen", "/api/v1/finance/invoices?min_amount=ten", "", invalid),
		browser("GET /api/v1/finance/invoices", "amount with 3 decimals", "fin-chen", "/api/v1/finance/invoices?min_amount=1.005", "", invalid),
		browser("GET /api/v1/finance/invoices", "max below min", "fin-chen", "/api/v1/finance/invoices?min_amount=10.00&max_amount=1.00", "", invalid),
		browser("GET /api/v1/finance/invoices", "tax number of 65", "fin-chen", "/api/v1/finance/invoices?seller_tax_number="+long, "", invalid),
		browser("GET /api/v1/finance/invoices", "limit 0", "fin-chen", "/api/v1/finance/invoices?limit=0", "", invalid),
		browser("GET /api/v1/finance/invoices", "limit 501", "fin-chen", "/api/v1/finance/invoices?limit=501", "", invalid),
		browser("GET /api/v1/finance/invoices", "cursor not base64", "fin-chen", "/api/v1/finance/invoices?cursor="+junkCursor, "", invalid),
		browser("GET /api/v1/finance/invoices", "cursor without id", "fin-chen", "/api/v1/finance/invoices?cursor="+emptyCursor, "", invalid),
		browser("GET /api/v1/finance/invoices/totals", "employee", "emp-li", "", "", forbidden),
		browser("GET /api/v1/finance/invoices/totals", "bad date", "fin-chen", "/api/v1/finance/invoices/totals?from=2026-02-30", "", invalid),
		browser("GET /api/v1/finance/export", "employee", "emp-li", "", "", forbidden),
		browser("GET /api/v1/finance/archive", "employee", "emp-li", "", "", forbidden),
		browser("GET /api/v1/finance/archive", "approver", "mgr-zhao", "", "", forbidden),
		browser("GET /api/v1/finance/archive", "bad date", "fin-chen", "/api/v1/finance/archive?from=20261001&to=2026-10-31", "", invalid),
		browser("GET /api/v1/finance/archive", "from after to", "fin-chen", "/api/v1/finance/archive?from=2026-11-01&to=2026-10-01", "", invalid),
		browser("GET /api/v1/finance/export", "unknown format", "fin-chen", "/api/v1/finance/export?format=pdf", "", invalid),
		browser("GET /api/v1/finance/export", "bad date", "fin-chen", "/api/v1/finance/export?from=20261001", "", invalid),
		browser("POST /api/v1/finance/reconcile", "employee", "emp-li", "", `{"from":"2026-10-01","to":"2026-10-31"}`, forbidden),
		browser("POST /api/v1/finance/reconcile", "no range", "fin-chen", "", `{}`, invalid),
		browser("POST /api/v1/finance/reconcile", "slashed date", "fin-chen", "", `{"from":"2026/10/01","to":"2026-10-31"}`, invalid),
		browser("POST /api/v1/finance/reconcile", "date is a number", "fin-chen", "", `{"from":20261001,"to":"2026-10-31"}`, invalid),
		browser("POST /api/v1/finance/reconcile", "to before from", "fin-chen", "", `{"from":"2026-10-31","to":"2026-10-01"}`, invalid),
		browser("GET /api/v1/finance/reconcile/:id", "employee", "emp-li", "", "", forbidden),
		browser("GET /api/v1/finance/reconcile/:id", "unknown id", "fin-chen", "/api/v1/finance/reconcile/rec_nosuchrun", "", notFound),
		browser("GET /api/v1/finance/reconcile/:id", "limit 0", "fin-chen", "/api/v1/finance/reconcile/{reconcile}?limit=0", "", invalid),
		browser("GET /api/v1/finance/reconcile/:id", "bad cursor", "fin-chen", "/api/v1/finance/reconcile/{reconcile}?cursor="+emptyCursor, "", invalid),
		browser("POST /api/v1/finance/reconcile/:id/repair", "employee", "emp-li", "", "", forbidden),
		browser("POST /api/v1/finance/reconcile/:id/repair", "unknown id", "fin-chen", "/api/v1/finance/reconcile/rec_nosuchrun/repair", "", notFound),

		// Administration.
		browser("GET /api/v1/admin/outbox", "employee", "emp-li", "", "", forbidden),
		browser("GET /api/v1/admin/outbox", "finance", "fin-chen", "", "", forbidden),
		browser("GET /api/v1/admin/outbox", "unknown state", "admin", "/api/v1/admin/outbox?state=lost", "", invalid),
		browser("GET /api/v1/admin/outbox", "limit 501", "admin", "/api/v1/admin/outbox?limit=501", "", invalid),
		browser("GET /api/v1/admin/outbox", "cursor not a row id", "admin", "/api/v1/admin/outbox?cursor=eyJpZCI6ImFiYyJ9", "", invalid),
		browser("POST /api/v1/admin/outbox/:id/retry", "employee", "emp-li", "", "", forbidden),
		browser("POST /api/v1/admin/outbox/:id/retry", "id not a number", "admin", "/api/v1/admin/outbox/abc/retry", "", notFound),
		browser("POST /api/v1/admin/outbox/:id/retry", "negative id", "admin", "/api/v1/admin/outbox/-1/retry", "", notFound),
		browser("POST /api/v1/admin/outbox/:id/retry", "unknown id", "admin", "/api/v1/admin/outbox/99999999/retry", "", notFound),
		browser("GET /api/v1/admin/employees", "employee", "emp-li", "", "", forbidden),
		browser("GET /api/v1/admin/employees", "limit 0", "admin", "/api/v1/admin/employees?limit=0", "", invalid),
		browser("GET /api/v1/admin/employees", "bad cursor", "admin", "/api/v1/admin/employees?cursor="+junkCursor, "", invalid),
		browser("GET /api/v1/directory", "limit 0", "emp-li", "/api/v1/directory?limit=0", "", invalid),
		browser("GET /api/v1/directory", "limit 51", "emp-li", "/api/v1/directory?limit=51", "", invalid),
		browser("GET /api/v1/directory", "limit not a number", "emp-li", "/api/v1/directory?limit=ten", "", invalid),
		browser("GET /api/v1/directory", "q of 65 characters", "emp-li", "/api/v1/directory?q="+strings.Repeat("a", 65), "", invalid),
		browser("POST /api/v1/admin/employees", "employee", "emp-li", "", `{"id":"emp-new","name":"新"}`, forbidden),
		browser("POST /api/v1/admin/employees", "no id", "admin", "", `{"name":"新"}`, invalid),
		browser("POST /api/v1/admin/employees", "no name", "admin", "", `{"id":"emp-new"}`, invalid),
		browser("POST /api/v1/admin/employees", "unknown role", "admin", "", `{"id":"emp-new","name":"新","roles":["king"]}`, invalid),
		browser("POST /api/v1/admin/employees", "roles is a string", "admin", "", `{"id":"emp-new","name":"新","roles":"admin"}`, invalid),
		browser("POST /api/v1/admin/employees", "active is a string", "admin", "", `{"id":"emp-new","name":"新","active":"yes"}`, invalid),
		browser("POST /api/v1/admin/employees", "unknown channel", "admin", "", `{"id":"emp-new","name":"新","identities":[{"channel":"fax","openid":"o"}]}`, invalid),
		browser("POST /api/v1/admin/employees", "id with spaces", "admin", "", `{"id":"emp new","name":"新"}`, invalid),
		browser("POST /api/v1/admin/employees", "existing id", "admin", "", `{"id":"emp-li","name":"李"}`, invalid),
		browser("POST /api/v1/admin/employees", "unknown manager", "admin", "", `{"id":"emp-new","name":"新","manager_id":"nobody"}`, invalid),
		browser("POST /api/v1/admin/employees/sync-work", "employee", "emp-li", "", "", forbidden),
		browser("GET /api/v1/admin/employees/:id", "employee", "emp-li", "", "", forbidden),
		browser("GET /api/v1/admin/employees/:id", "unknown id", "admin", "/api/v1/admin/employees/nobody", "", notFound),
		browser("PATCH /api/v1/admin/employees/:id", "employee", "emp-li", "", `{"version":0,"name":"x"}`, forbidden),
		browser("PATCH /api/v1/admin/employees/:id", "no version", "admin", "", `{"name":"x"}`, invalid),
		browser("PATCH /api/v1/admin/employees/:id", "stale version", "admin", "", `{"version":999,"name":"x"}`, staleVer),
		browser("PATCH /api/v1/admin/employees/:id", "email not an address", "admin", "", `{"version":999,"email":"li at example"}`, invalid),
		browser("PATCH /api/v1/admin/employees/:id", "email with a name", "admin", "", `{"version":999,"email":"Li <li@example.com>"}`, invalid),
		browser("GET /api/v1/admin/mailbox/unmatched", "employee", "emp-li", "", "", forbidden),
		browser("GET /api/v1/admin/mailbox/unmatched", "finance", "fin-chen", "", "", forbidden),
		browser("GET /api/v1/admin/mailbox/unmatched", "limit 501", "admin", "/api/v1/admin/mailbox/unmatched?limit=501", "", invalid),
		browser("GET /api/v1/admin/mailbox/unmatched", "cursor not a row id", "admin", "/api/v1/admin/mailbox/unmatched?cursor=eyJpZCI6ImFiYyJ9", "", invalid),
		browser("PATCH /api/v1/admin/employees/:id", "unknown role", "admin", "", `{"version":0,"roles":["king"]}`, invalid),
		browser("PATCH /api/v1/admin/employees/:id", "name is a number", "admin", "", `{"version":0,"name":5}`, invalid),
		browser("PATCH /api/v1/admin/employees/:id", "unknown id", "admin", "/api/v1/admin/employees/nobody", `{"version":0,"name":"x"}`, notFound),
		browser("POST /api/v1/admin/employees/:id/sign-out", "employee", "emp-li", "", "", forbidden),
		browser("POST /api/v1/admin/employees/:id/sign-out", "employee, themselves", "emp-li", "/api/v1/admin/employees/emp-li/sign-out", "", forbidden),
		browser("POST /api/v1/admin/employees/:id/sign-out", "unknown id", "admin", "/api/v1/admin/employees/nobody/sign-out", "", notFound),
		browser("POST /api/v1/admin/employees/:id/sign-out", "a body with fields", "admin", "", `{"all":true}`, invalid),
		browser("GET /api/v1/admin/company", "employee", "emp-li", "", "", forbidden),
		browser("PUT /api/v1/admin/company", "employee", "emp-li", "", `{"version":0,"buyers":[]}`, forbidden),
		browser("PUT /api/v1/admin/company", "no version", "admin", "", `{"buyers":[]}`, invalid),
		browser("PUT /api/v1/admin/company", "no buyers", "admin", "", `{"version":0}`, invalid),
		browser("PUT /api/v1/admin/company", "buyers is a string", "admin", "", `{"version":0,"buyers":"x"}`, invalid),
		browser("PUT /api/v1/admin/company", "buyer without tax number", "admin", "", `{"version":0,"buyers":[{"title":"某公司","tax_number":""}]}`, invalid),
		browser("PUT /api/v1/admin/company", "stale version", "admin", "", `{"version":999,"buyers":[{"title":"某公司","tax_number":"91440300MA5G2DEMO8"}]}`, staleVer),
		browser("GET /api/v1/company/title-link", "unknown tax number", "emp-li", "/api/v1/company/title-link?tax_number=NOSUCH", "", notFound),
		browser("GET /api/v1/admin/webhooks", "employee", "emp-li", "", "", forbidden),
		browser("POST /api/v1/admin/webhooks", "employee", "emp-li", "", `{"url":"https://erp.example/hook"}`, forbidden),
		browser("POST /api/v1/admin/webhooks", "no url", "admin", "", `{}`, invalid),
		browser("POST /api/v1/admin/webhooks", "not a URL", "admin", "", `{"url":"not a url"}`, invalid),
		browser("POST /api/v1/admin/webhooks", "ftp URL", "admin", "", `{"url":"ftp://erp.example/hook"}`, invalid),
		browser("POST /api/v1/admin/webhooks", "unknown event", "admin", "", `{"url":"https://erp.example/hook","events":["invoice.eaten"]}`, invalid),
		browser("POST /api/v1/admin/webhooks", "events is a string", "admin", "", `{"url":"https://erp.example/hook","events":"report.approved"}`, invalid),
		browser("DELETE /api/v1/admin/webhooks/:id", "employee", "emp-li", "", "", forbidden),
		browser("DELETE /api/v1/admin/webhooks/:id", "unknown id", "admin", "/api/v1/admin/webhooks/whk_nosuchhook", "", notFound),
		browser("GET /api/v1/admin/webhooks/deliveries", "employee", "emp-li", "", "", forbidden),
		browser("GET /api/v1/admin/webhooks/deliveries", "unknown state", "admin", "/api/v1/admin/webhooks/deliveries?state=lost", "", invalid),
		browser("GET /api/v1/admin/webhooks/deliveries", "limit 501", "admin", "/api/v1/admin/webhooks/deliveries?limit=501", "", invalid),
		browser("GET /api/v1/admin/webhooks/deliveries", "cursor not a row id", "admin", "/api/v1/admin/webhooks/deliveries?cursor=eyJpZCI6ImFiYyJ9", "", invalid),
		browser("POST /api/v1/admin/webhooks/deliveries/:id/retry", "employee", "emp-li", "", "", forbidden),
		browser("POST /api/v1/admin/webhooks/deliveries/:id/retry", "id not a number", "admin", "/api/v1/admin/webhooks/deliveries/abc/retry", "", notFound),
		browser("POST /api/v1/admin/webhooks/deliveries/:id/retry", "unknown id", "admin", "/api/v1/admin/webhooks/deliveries/99999999/retry", "", notFound),

		// Notices: the inbox and the admins' list.
		browser("GET /api/v1/notifications", "unread not a boolean", "emp-li", "/api/v1/notifications?unread=maybe", "", invalid),
		browser("GET /api/v1/notifications", "limit 501", "emp-li", "/api/v1/notifications?limit=501", "", invalid),
		browser("GET /api/v1/notifications", "cursor not a row id", "emp-li", "/api/v1/notifications?cursor=eyJpZCI6ImFiYyJ9", "", invalid),
		browser("POST /api/v1/notifications/read", "neither ids nor all", "emp-li", "", `{}`, invalid),
		browser("POST /api/v1/notifications/read", "both ids and all", "emp-li", "", `{"ids":[1],"all":true}`, invalid),
		browser("POST /api/v1/notifications/read", "ids not numbers", "emp-li", "", `{"ids":["a"]}`, invalid),
		browser("POST /api/v1/notifications/read", "id zero", "emp-li", "", `{"ids":[0]}`, invalid),
		browser("POST /api/v1/notifications/read", "unknown field", "emp-li", "", `{"id":1}`, invalid),
		browser("GET /api/v1/admin/notices", "employee", "emp-li", "", "", forbidden),
		browser("GET /api/v1/admin/notices", "unknown state", "admin", "/api/v1/admin/notices?state=lost", "", invalid),
		browser("GET /api/v1/admin/notices", "limit 501", "admin", "/api/v1/admin/notices?limit=501", "", invalid),
		browser("GET /api/v1/admin/notices", "cursor not a row id", "admin", "/api/v1/admin/notices?cursor=eyJpZCI6ImFiYyJ9", "", invalid),
		browser("POST /api/v1/admin/notices/:id/retry", "employee", "emp-li", "", "", forbidden),
		browser("POST /api/v1/admin/notices/:id/retry", "id not a number", "admin", "/api/v1/admin/notices/abc/retry", "", notFound),
		browser("POST /api/v1/admin/notices/:id/retry", "unknown id", "admin", "/api/v1/admin/notices/99999999/retry", "", notFound),
		browser("POST /api/v1/admin/notices/:id/retry", "not failed", "admin", "", "", answer{http.StatusConflict, "notice.not_failed"}),

		// PC QR import.
		// PC sign-in by QR (DECISIONS 4): the poll without the PC's
		// cookie, and phones sending no, bad or unknown tokens.
		browser("GET /auth/qr-login/status", "no browser cookie", "", "", "", notFound),
		browser("POST /auth/qr-login", "a body field", "", "", `{"employee_id":"emp-li"}`, invalid),
		browser("POST /auth/qr-login/accept", "no browser cookie", "", "", "", notFound),
		browser("POST /auth/qr-login/accept", "no browser cookie, signed in", "emp-li", "", "", notFound),
		browser("POST /auth/qr-login/accept", "a body field", "", "", `{"employee_id":"emp-li"}`, invalid),
		browser("POST /auth/qr-login/decline", "no browser cookie", "", "", "", notFound),
		browser("POST /auth/qr-login/decline", "a body field", "", "", `{"accept":false}`, invalid),
		browser("POST /auth/qr-login/scan", "no token", "emp-li", "", `{}`, invalid),
		browser("POST /auth/qr-login/scan", "token is a number", "emp-li", "", `{"token":5}`, invalid),
		browser("POST /auth/qr-login/scan", "token of 65", "emp-li", "", `{"token":"`+long+`"}`, invalid),
		browser("POST /auth/qr-login/scan", "unknown token", "emp-li", "", `{"token":"nosuchtoken"}`, notFound),
		browser("POST /auth/qr-login/confirm", "no token", "emp-li", "", `{}`, invalid),
		browser("POST /auth/qr-login/confirm", "token is an array", "emp-li", "", `{"token":["a"]}`, invalid),
		browser("POST /auth/qr-login/confirm", "unknown token", "emp-li", "", `{"token":"nosuchtoken"}`, notFound),
		browser("POST /auth/qr-login/confirm", "deactivated employee", goneEmployee, "", `{"token":"nosuchtoken"}`, answer{http.StatusUnauthorized, "auth.required"}),
		browser("POST /api/v1/qr-imports", "a body field", "emp-li", "", `{"employee_id":"emp-wang"}`, invalid),
		browser("GET /api/v1/qr-imports/:biz_code", "emp-li's session, by emp-wang", "emp-wang", "", "", notFound),
		browser("GET /api/v1/qr-imports/:biz_code", "unknown code", "emp-li", "/api/v1/qr-imports/nosuchcode", "", notFound),
		browser("POST /api/v1/qr-imports/open", "no token", "emp-li", "", `{}`, invalid),
		browser("POST /api/v1/qr-imports/open", "token is a number", "emp-li", "", `{"token":5}`, invalid),
		browser("POST /api/v1/qr-imports/open", "token of 65", "emp-li", "", `{"token":"`+long+`"}`, invalid),
		browser("POST /api/v1/qr-imports/open", "unknown token", "emp-li", "", `{"token":"nosuchtoken"}`, notFound),
		browser("POST /api/v1/qr-imports/import", "no token", "emp-li", "", `{"items":[{"card_id":"a","encrypt_code":"b"}]}`, invalid),
		browser("POST /api/v1/qr-imports/import", "no items", "emp-li", "", `{"token":"{qr-token}"}`, invalid),
		browser("POST /api/v1/qr-imports/import", "unknown token", "emp-li", "", `{"token":"nosuchtoken","items":[{"card_id":"a","encrypt_code":"b"}]}`, notFound),

		// Native open API, correctly signed.
		erp("POST /open/v1/invoices/import", "no Idempotency-Key", "", `{"employee_id":"emp-li","items":[{"card_id":"a","encrypt_code":"b"}]}`, invalid).signed(signedNoKey),
		erp("POST /open/v1/invoices/import", "no employee_id", "", `{"items":[{"card_id":"a","encrypt_code":"b"}]}`, invalid),
		erp("POST /open/v1/invoices/import", "unknown channel", "", `{"employee_id":"emp-li","channel":"fax","items":[{"card_id":"a","encrypt_code":"b"}]}`, invalid),
		erp("POST /open/v1/invoices/import", "biz_code of 65", "", `{"employee_id":"emp-li","biz_code":"`+long+`","items":[{"card_id":"a","encrypt_code":"b"}]}`, invalid),
		erp("POST /open/v1/invoices/import", "no items", "", `{"employee_id":"emp-li"}`, invalid),
		erp("POST /open/v1/invoices/import", "employee_id is a number", "", `{"employee_id":7,"items":[{"card_id":"a","encrypt_code":"b"}]}`, invalid),
		erp("POST /open/v1/invoices/import", "unknown employee", "", `{"employee_id":"nobody","items":[{"card_id":"a","encrypt_code":"b"}]}`, invalid),
		erp("POST /open/v1/invoices/import", "not in the employee's wallet", "", `{"employee_id":"emp-li","items":[{"card_id":"{zhao-wallet-card}","encrypt_code":"{zhao-wallet-encrypt}"}]}`, notInWallet),
		erp("GET /open/v1/invoices/:id", "unknown id", "/open/v1/invoices/inv_nosuchinvoice", "", notFound),
		erp("POST /open/v1/invoices/search", "bad date", "", `{"from":"2026-10-32"}`, invalid),
		erp("POST /open/v1/invoices/search", "report_status is a string", "", `{"report_status":"approved"}`, invalid),
		erp("POST /open/v1/invoices/search", "unknown report_status", "", `{"report_status":["refunded"]}`, invalid),
		erp("POST /open/v1/invoices/search", "negative limit", "", `{"limit":-1}`, invalid),
		erp("POST /open/v1/invoices/search", "limit 501", "", `{"limit":501}`, invalid),
		erp("POST /open/v1/invoices/search", "limit is a string", "", `{"limit":"10"}`, invalid),
		erp("POST /open/v1/invoices/search", "limit past int64", "", `{"limit":99999999999999999999}`, invalid),
		erp("POST /open/v1/invoices/search", "fractional limit", "", `{"limit":1.5}`, invalid),
		erp("POST /open/v1/invoices/search", "bad cursor", "", `{"cursor":"e30"}`, invalid),
		erp("POST /open/v1/invoices/search", "amount is a number", "", `{"min_amount":10}`, invalid),
		erp("POST /open/v1/invoices/status", "no Idempotency-Key", "", `{"invoice_ids":["{li-invoice}"],"status":"LOCK"}`, invalid).signed(signedNoKey),
		erp("POST /open/v1/invoices/status", "no invoices", "", `{"invoice_ids":[],"status":"LOCK"}`, invalid),
		erp("POST /open/v1/invoices/status", "no status", "", `{"invoice_ids":["{li-invoice}"]}`, invalid),
		erp("POST /open/v1/invoices/status", "unknown status", "", `{"invoice_ids":["{li-invoice}"],"status":"PAID"}`, invalid),
		erp("POST /open/v1/invoices/status", "CANCEL is the issuer's", "", `{"invoice_ids":["{li-invoice}"],"status":"CANCEL"}`, invalid),
		erp("POST /open/v1/invoices/status", "101 invoices", "", `{"invoice_ids":`+many(101, `"inv_x"`)+`,"status":"LOCK"}`, invalid),
		erp("POST /open/v1/invoices/status", "unknown invoice", "", `{"invoice_ids":["inv_nosuchinvoice"],"status":"LOCK"}`, notFound),
		erp("POST /open/v1/invoices/status", "invoice in a baoxiao report", "", `{"invoice_ids":["{li-draft-invoice}"],"status":"CLOSURE"}`, inReport),
		erp("GET /open/v1/reports/:id", "unknown id", "/open/v1/reports/rpt_nosuchreport", "", notFound),
		erp("GET /open/v1/export", "unknown format", "/open/v1/export?format=pdf", "", invalid),
		erp("GET /open/v1/export", "bad date", "/open/v1/export?from=2026-1-1", "", invalid),
		erp("GET /open/v1/export", "unknown report_status", "/open/v1/export?report_status=refunded", "", invalid),

		// Yuanian profile, correctly signed.
		yn("POST /openapi/auth/token", "vendor not WECHAT", ynReq{header: map[string]any{"vendor": "ALIPAY"}}, ynBadReq),
		yn("POST /openapi/auth/token", "timestamp in Unix seconds", ynReq{header: map[string]any{"timestamp": "1700000000"}}, ynBadReq),
		yn("POST /openapi/auth/token", "no sign", ynReq{sign: " "}, ynAuthFail),
		yn("POST /openapi/invoice/wechat/import", "no invoiceList", ynReq{rawBody: `{"bizCode":"b1"}`}, ynBadReq),
		yn("POST /openapi/invoice/wechat/import", "invoiceList is a string", ynReq{rawBody: `{"invoiceList":"x"}`}, ynBadReq),
		yn("POST /openapi/invoice/wechat/import", "item without encryptCode", ynReq{rawBody: `{"invoiceList":[{"cardId":"a"}]}`}, ynBadReq),
		yn("POST /openapi/invoice/wechat/import", "101 invoices", ynReq{rawBody: `{"invoiceList":` + many(101, `{"cardId":"a","encryptCode":"b"}`) + `}`}, ynBadReq),
		yn("POST /openapi/invoice/wechat/import/jsapi", "no invoiceList", ynReq{rawBody: `{"accessToken":"t"}`}, ynBadReq),
		yn("POST /openapi/invoice/wechat/status/update", "no openid", ynReq{rawBody: `{"reimburseStatus":"INVOICE_REIMBURSE_LOCK","invoiceList":[{"cardId":"{li-card}","encryptCode":"{li-encrypt}"}]}`}, ynBadReq),
		yn("POST /openapi/invoice/wechat/status/update", "unknown status", ynReq{rawBody: `{"openid":"o","reimburseStatus":"PAID","invoiceList":[{"cardId":"{li-card}","encryptCode":"{li-encrypt}"}]}`}, ynBadReq),
		yn("POST /openapi/invoice/wechat/status/update", "not this openid's invoice", ynReq{rawBody: `{"openid":"o-somebody-else","reimburseStatus":"INVOICE_REIMBURSE_LOCK","invoiceList":[{"cardId":"{li-card}","encryptCode":"{li-encrypt}"}]}`}, ynBadReq),
		yn("POST /openapi/invoice/wechat/status/update/jsapi", "no invoiceList", ynReq{rawBody: `{"openid":"o","reimburseStatus":"INVOICE_REIMBURSE_LOCK"}`}, ynBadReq),
		yn("POST /openapi/invoice/wechat/grcode", "width is a string", ynReq{rawBody: `{"width":"big","content":"x"}`}, ynBadReq),
		yn("POST /openapi/invoice/wechat/qrcode", "width is a string", ynReq{rawBody: `{"width":"big","content":"y"}`}, ynBadReq),
		yn("POST /openapi/invoice/wechat/search", "page 0", ynReq{header: map[string]any{"page": "0"}, rawBody: `{}`}, ynBadReq),
		yn("POST /openapi/invoice/wechat/search", "size 501", ynReq{header: map[string]any{"size": 501}, rawBody: `{}`}, ynBadReq),
		yn("POST /openapi/invoice/wechat/search", "size in words", ynReq{header: map[string]any{"size": "ten"}, rawBody: `{}`}, ynBadReq),
		yn("POST /openapi/invoice/wechat/search", "bad startDate", ynReq{rawBody: `{"startDate":"2026-13-01"}`}, ynBadReq),
		yn("POST /openapi/invoice/wechat/search", "taxNos is a string", ynReq{rawBody: `{"taxNos":"x"}`}, ynBadReq),
		yn("POST /openapi/wechat/jsapi/sign", "no url", ynReq{rawBody: `{"noncestr":"n","jsapiTicket":"t","timestamp":1700000000}`}, ynBadReq),
		yn("POST /openapi/wechat/jsapi/sign", "no noncestr", ynReq{rawBody: `{"jsapiTicket":"t","timestamp":1700000000,"url":"https://x/"}`}, ynBadReq),
	}
}

// signed changes how the case is signed.
func (c badCase) signed(s signing) badCase { c.sign = s; return c }

// multipart marks the case's body as the multipart text it is.
func (c badCase) multipart() badCase { c.ctype = multipartType; return c }

// upload is a browser's multipart upload with a bad request inside.
func upload(route, name, as, parts string, want answer) badCase {
	return badCase{route: route, name: name, as: as, body: multipartText(parts), ctype: multipartType, status: want.status, code: want.code}
}
