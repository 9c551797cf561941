// Package sandbox simulates WeChat's Official Account (公众号) and WeCom
// (企业微信) e-invoice APIs, OAuth pages and JS-SDK, so `make run` is a
// working demo and every test runs against WeChat's rules
// (shared/wechat-protocol.md §11). It serves WeChat's own paths,
// parameters, JSON shapes and errcodes at the root of App(), so an
// independent WeChat-compatible server can replace it.
//
// WeChat paths (errors are {"errcode","errmsg"} with HTTP 200):
//
//	OA     GET  /cgi-bin/token                 POST /cgi-bin/stable_token
//	       GET  /cgi-bin/ticket/getticket      (type=jsapi|wx_card)
//	       POST /card/invoice/reimburse/{getinvoiceinfo,getinvoicebatch,updateinvoicestatus,updatestatusbatch}
//	       GET  /sns/oauth2/access_token
//	issuer POST /card/invoice/insert, /card/invoice/platform/updatestatus, /card/code/decrypt
//	       POST /cgi-bin/message/template/send (then TEMPLATESENDJOBFINISH), GET /cgi-bin/user/info
//	WeCom  GET  /cgi-bin/gettoken, /cgi-bin/get_jsapi_ticket, /cgi-bin/ticket/get (type=agent_config|wx_card)
//	       POST /cgi-bin/card/invoice/reimburse/{getinvoiceinfo,getinvoiceinfobatch,updateinvoicestatus,updatestatusbatch}
//	       GET  /cgi-bin/auth/getuserinfo, /cgi-bin/user/getuserinfo (older)
//	       POST /cgi-bin/user/convert_to_openid, /cgi-bin/user/convert_to_userid
//	       GET  /cgi-bin/department/{list,simplelist,get}, /cgi-bin/user/{list,simplelist,get}
//	       POST /cgi-bin/message/send, /cgi-bin/message/update_template_card
//	both   GET  /connect/oauth2/authorize     (a page listing the app's users)
//
// JS-SDK stand-ins (DECISIONS 15): GET /jsbridge.js (the client's
// WeixinJSBridge, for the real SDKs), GET /jweixin.js (that bridge plus a
// jweixin 1.6.0 stand-in), POST /_js/verify-config,
// POST /_js/verify-agent-config, GET /_js/choose-invoice (the wallet
// picker), and GET /_files/{code}.pdf for pdf_url.
//
// GET /_phone[?user=<employee id>] is the demo phone: pick a demo person
// and see the WeCom app messages and OA template messages delivered to
// them (from /_control/messages), newest first, refreshed every 2 s; a
// card's callback button clicks through POST /_control/cards/click.
//
// Test control (JSON; shared/API.md "Sandbox"), in memory unless noted:
//
//	POST|DELETE|GET /_control/faults      {rate, errcodes, latency_ms, paths, mode, hang_ms}
//	POST /_control/tokens/expire          every issued token answers 42001 (database)
//	GET  /_control/invoice?card_id&encrypt_code, POST /_control/invoice (set state,
//	                                      and answer_patch: a merge patch on its read answers)
//	POST /_control/invoices               create an invoice in any wallet (database)
//	GET  /_control/wallets/{openid}
//	GET|DELETE /_control/calls?path=      the WeChat calls received
//	GET|DELETE /_control/events           event push attempts, and in_flight deliveries
//	GET|POST /_control/switches           {batch_fail_whole, lock_lock_72024, oa_result_array, batch_cap, event_duplicates,
//	                                      hold_template_jobs}
//	GET|DELETE /_control/messages?to=     WeCom and OA messages delivered
//	POST /_control/followers              {openid, subscribe 0|1} | {quota} | {openid, template_job}
//	POST /_control/cards/click            {userid, task_id, key}: push template_card_event
//	POST /_control/template-jobs          push held TEMPLATESENDJOBFINISH events now
//	GET|POST /_control/users              add a user to an app (database)
//	POST /_control/tickets                pin a ticket, for fixed test vectors (database)
//
// Tokens, tickets, users, OAuth codes and invoices live in the sandbox_*
// tables New creates (SQLite or MySQL, binary collation), so a restart
// keeps them. The tables are created with CREATE TABLE IF NOT EXISTS: a
// later column change needs an ALTER here, not in the product's
// migrations.
package sandbox
