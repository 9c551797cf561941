// Package wechat is baoxiao's gateway to WeChat: the Official Account (公众号)
// and WeCom (企业微信) clients of app.WeChat. It makes the reimburser calls
// (getinvoiceinfo, the batch query, updateinvoicestatus, updatestatusbatch),
// holds access tokens and JSSDK tickets in a shared Cache, signs wx.config
// and chooseInvoice, and runs snsapi_base OAuth. Every host is configurable.
//
// Failures are *app.WeChatError with the API's name, WeChat's errcode and
// errmsg and a Kind from wechat-protocol.md §6; they never carry the access
// token, the secret or a URL with either. Amounts become domain.Money from
// integer 分, never through a float.
//
// Built on silenceper/wechat v2.1.14 for its cache (cache.Cache, memory and
// Redis) and util.Signature; the HTTP calls are ours, with a context, a
// timeout and a size limit (DECISIONS 14).
package wechat
