package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/skip2/go-qrcode"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/payment"
	"github.com/baoxiao/baoxiao/domain"
)

// The Yuanian-compatible profile (wechat-protocol.md §10): the seed's own
// paths, its {"header","body"} envelope, MD5 sign and result codes, always
// answered with HTTP 200 and {"code","message","data"}.

// Yuanian result codes; 1000 is the seed's, the rest ours.
const (
	ynSuccess     = 1000
	ynAuth        = 1001
	ynReplay      = 1002
	ynBadRequest  = 1003
	ynNotFound    = 1004
	ynRefused     = 2001
	ynUnavailable = 2002
	ynConflict    = 2003
	ynInternal    = 9999
)

type yuanianHandler struct {
	api       *app.OpenAPI
	erp       *app.ERP
	qr        *app.QRImports
	publicURL string
	pay       *payment.Service // nil: no expense details in the views
}

func registerYuanian(fa *fiber.App, deps Deps) {
	h := &yuanianHandler{api: deps.OpenAPI, erp: deps.ERP, qr: deps.QRImports, publicURL: strings.TrimSuffix(deps.PublicURL, "/"), pay: deps.Payments}
	fa.Post("/openapi/auth/token", h.handle(false, h.token))
	fa.Post("/openapi/invoice/wechat/import", h.handle(true, h.importInvoices))
	fa.Post("/openapi/invoice/wechat/import/jsapi", h.handle(true, h.importInvoices))
	fa.Post("/openapi/invoice/wechat/status/update", h.handle(true, h.updateStatus))
	fa.Post("/openapi/invoice/wechat/status/update/jsapi", h.handle(true, h.updateStatus))
	fa.Post("/openapi/invoice/wechat/search", h.handle(true, h.search))
	fa.Post("/openapi/wechat/jsapi/sign", h.handle(true, h.jsapiSign))
	if h.qr != nil {
		// The seed spells it grcode; qrcode is what it meant (DECISIONS 24).
		fa.Post("/openapi/invoice/wechat/grcode", h.handle(true, h.qrcode))
		fa.Post("/openapi/invoice/wechat/qrcode", h.handle(true, h.qrcode))
	}
}

// ynAnswer is every Yuanian answer. Failed lists the invoices an import
// could not take while others went in (ours; the seed has no such case).
type ynAnswer struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data"`
	Failed  any    `json:"failed,omitempty"`
}

// ynCall is a verified call: the app, the header fields and the raw body.
type ynCall struct {
	app    app.OpenApp
	header map[string]string
	body   json.RawMessage
}

type ynFunc func(c *fiber.Ctx, call *ynCall) (ynAnswer, error)

// handle wraps a Yuanian endpoint: parse the envelope, verify, run, map
// the error to a result code, answer 200 and record the call.
func (h *yuanianHandler) handle(needToken bool, fn ynFunc) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		ans, appID, verified := h.serve(c, needToken, fn)
		if ans.Code == 0 {
			ans.Code, ans.Message = ynSuccess, "success"
		}
		recordOpenCall(c, h.api, app.OpenAPICall{
			AppID: appID, Profile: "yuanian", Method: c.Method(), Endpoint: c.Route().Path, Status: fiber.StatusOK,
			Result: strconv.Itoa(ans.Code), Latency: time.Since(start), RequestID: RequestID(c.UserContext()),
		}, verified)
		return c.JSON(ans)
	}
}

// serve answers the call, the app id it claims and whether that app was
// verified.
func (h *yuanianHandler) serve(c *fiber.Ctx, needToken bool, fn ynFunc) (ynAnswer, string, bool) {
	var env struct {
		Header map[string]json.RawMessage `json:"header"`
		Body   json.RawMessage            `json:"body"`
	}
	if err := json.Unmarshal(c.Request().Body(), &env); err != nil || env.Header == nil {
		return ynAnswer{Code: ynBadRequest, Message: `the request must be {"header":{…},"body":{…}}`}, "", false
	}
	header := make(map[string]string, len(env.Header))
	for k, v := range env.Header {
		s, ok := ynText(v)
		if !ok {
			return ynAnswer{Code: ynBadRequest, Message: "header." + k + " must be a string"}, "", false
		}
		header[k] = s
	}
	if string(env.Body) == "null" {
		env.Body = nil
	}
	appID := app.YuanianAppID(header)
	a, err := h.api.VerifyYuanian(c.UserContext(), app.YuanianRequest{Header: header, Body: env.Body, NeedToken: needToken, Endpoint: c.Route().Path})
	if err != nil {
		return h.failure(c, err), appID, false
	}
	ans, err := fn(c, &ynCall{app: a, header: header, body: env.Body})
	if err != nil {
		return h.failure(c, err), a.ID, true
	}
	return ans, a.ID, true
}

// ynText reads a header value: a string, or a number's text (page and
// size come both ways); null is "".
func ynText(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	return "", string(raw) == "null"
}

// failure maps an error to a result code (wechat-protocol.md §10).
func (h *yuanianHandler) failure(c *fiber.Ctx, err error) ynAnswer {
	code, msg := yuanianCode(err)
	if code == ynInternal {
		slog.ErrorContext(c.UserContext(), "yuanian call failed", "path", c.Path(), "err", err)
		msg = "internal error; quote request id " + RequestID(c.UserContext()) + " when reporting it"
	}
	return ynAnswer{Code: code, Message: msg}
}

func yuanianCode(err error) (int, string) {
	e, status := classify(err)
	msg := e.Message
	if fields, ok := e.Details["fields"].(map[string]string); ok {
		for k, v := range fields {
			if !strings.Contains(msg, k) {
				msg += " (" + k + ": " + v + ")"
			}
		}
	}
	errcode, hasErrcode := e.Details["errcode"]
	switch {
	case e.Code == domain.ErrSignatureReplayed.Code:
		return ynReplay, msg
	case e.Code == domain.ErrSignatureInvalid.Code || e.Code == domain.ErrAuthRequired.Code:
		return ynAuth, msg
	case strings.HasPrefix(e.Code, "request.") || e.Code == domain.ErrForbidden.Code || e.Code == domain.ErrNotInWallet.Code:
		// An app has no roles: forbidden here is about the invoice, and
		// an invoice not in the wallet named is a fault of the request.
		return ynBadRequest, msg
	case e.Code == domain.ErrNotFound.Code:
		return ynNotFound, msg
	case e.Code == domain.ErrWeChatUnavailable.Code:
		return ynUnavailable, msg
	case hasErrcode:
		return ynRefused, fmt.Sprintf("%s (WeChat errcode %v)", msg, errcode)
	case status == fiber.StatusConflict || status == fiber.StatusGone || status == fiber.StatusUnprocessableEntity:
		return ynConflict, msg + " [" + e.Code + "]"
	}
	return ynInternal, "internal error"
}

// decodeBody reads the envelope's body leniently: Yuanian clients may send
// fields we do not use.
func decodeBody(call *ynCall, v any) error {
	if len(call.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(call.body, v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			return domain.Invalid("body."+typ.Field, "must be "+jsonKind(typ.Type))
		}
		return domain.ErrInvalidInput.WithMessage("body is not a JSON object of this endpoint's fields")
	}
	return nil
}

func (h *yuanianHandler) token(c *fiber.Ctx, call *ynCall) (ynAnswer, error) {
	tok, exp, err := h.api.IssueToken(c.UserContext(), call.app.ID)
	if err != nil {
		return ynAnswer{}, err
	}
	return ynAnswer{Data: map[string]string{
		"token": tok, "expiresIn": strconv.Itoa(int(app.YuanianTokenTTL.Seconds())), "expireTime": exp.In(app.Shanghai).Format(time.DateTime),
	}}, nil
}

type ynCard struct {
	CardID      string `json:"cardId"`
	EncryptCode string `json:"encryptCode"`
}

func ynItems(list []ynCard) ([]app.ImportItem, error) {
	if len(list) == 0 {
		return nil, domain.Invalid("invoiceList", "required: at least one {cardId, encryptCode}")
	}
	if len(list) > app.MaxImport {
		return nil, domain.Invalid("invoiceList", fmt.Sprintf("at most %d invoices per call", app.MaxImport))
	}
	out := make([]app.ImportItem, len(list))
	for i, it := range list {
		if it.CardID == "" || it.EncryptCode == "" {
			return nil, domain.Invalid(fmt.Sprintf("invoiceList[%d]", i), "cardId and encryptCode are required")
		}
		out[i] = app.ImportItem{Ref: app.CardRef{CardID: it.CardID, EncryptCode: it.EncryptCode}}
	}
	return out, nil
}

type ynImportBody struct {
	BizCode     string   `json:"bizCode"`
	AccessToken string   `json:"accessToken"` // /jsapi: the caller's OA token; we read with our own
	InvoiceList []ynCard `json:"invoiceList"`
}

type ynFailure struct {
	CardID      string `json:"cardId"`
	EncryptCode string `json:"encryptCode"`
	Code        int    `json:"code"`
	Message     string `json:"message"`
}

func (h *yuanianHandler) importInvoices(c *fiber.Ctx, call *ynCall) (ynAnswer, error) {
	var body ynImportBody
	if err := decodeBody(call, &body); err != nil {
		return ynAnswer{}, err
	}
	items, err := ynItems(body.InvoiceList)
	if err != nil {
		return ynAnswer{}, err
	}
	res, err := h.erp.Import(c.UserContext(), app.ERPImport{AppID: call.app.ID, BizCode: body.BizCode, Items: items})
	if err != nil {
		return ynAnswer{}, err
	}
	var failed []ynFailure
	for _, f := range res.Failed {
		code, msg := yuanianCode(f.Err)
		failed = append(failed, ynFailure{CardID: f.Item.Ref.CardID, EncryptCode: f.Item.Ref.EncryptCode, Code: code, Message: msg})
	}
	if len(res.Imported) == 0 && len(failed) > 0 {
		// Nothing went in: the call failed, for the first invoice's reason.
		return ynAnswer{Code: failed[0].Code, Message: failed[0].Message, Failed: failed}, nil
	}
	data, err := h.invoices(c.UserContext(), res.Imported, body.BizCode)
	if err != nil {
		return ynAnswer{}, err
	}
	ans := ynAnswer{Data: data}
	if len(failed) > 0 {
		ans.Failed = failed
	}
	return ans, nil
}

type ynStatusBody struct {
	OpenID          string   `json:"openid"`
	ReimburseStatus string   `json:"reimburseStatus"`
	AccessToken     string   `json:"accessToken"`
	InvoiceList     []ynCard `json:"invoiceList"`
}

func (h *yuanianHandler) updateStatus(c *fiber.Ctx, call *ynCall) (ynAnswer, error) {
	var body ynStatusBody
	if err := decodeBody(call, &body); err != nil {
		return ynAnswer{}, err
	}
	if body.OpenID == "" {
		return ynAnswer{}, domain.Invalid("openid", "required: the wallet owner's openid")
	}
	target, err := domain.ParseWeChatStatus(body.ReimburseStatus)
	if err != nil || target == domain.StatusCancel {
		return ynAnswer{}, domain.Invalid("reimburseStatus", "must be INVOICE_REIMBURSE_INIT, _LOCK or _CLOSURE (CANCEL is the issuer's)")
	}
	items, err := ynItems(body.InvoiceList)
	if err != nil {
		return ynAnswer{}, err
	}
	refs := make([]app.CardRef, len(items))
	for i, it := range items {
		refs[i] = it.Ref
	}
	invs, err := h.erp.InvoicesByRef(c.UserContext(), refs)
	if err != nil {
		return ynAnswer{}, err
	}
	ids := make([]domain.InvoiceID, len(invs))
	for i, inv := range invs {
		if inv.Facts().OwnerOpenID != body.OpenID {
			return ynAnswer{}, domain.Invalid("openid", "invoiceList["+strconv.Itoa(i)+"] is not in this openid's wallet")
		}
		ids[i] = inv.ID()
	}
	if _, err := h.erp.SetStatus(c.UserContext(), ids, target); err != nil {
		return ynAnswer{}, err
	}
	return ynAnswer{}, nil
}

type ynQRBody struct {
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Content string `json:"content"`
}

// qrcode opens a PC QR import session for the ERP: the QR is a PNG of our
// H5 import page's URL bound to the session, and the session's bizCode
// (content) finds the invoices imported through it (search).
func (h *yuanianHandler) qrcode(c *fiber.Ctx, call *ynCall) (ynAnswer, error) {
	var body ynQRBody
	if err := decodeBody(call, &body); err != nil {
		return ynAnswer{}, err
	}
	size := min(max(body.Width, body.Height), 1024)
	if size <= 0 {
		size = 256
	}
	size = max(size, 64)
	s, err := h.qr.StartForApp(c.UserContext(), call.app.ID, body.Content)
	if err != nil {
		return ynAnswer{}, err
	}
	link := qrImportURL(h.publicURL, s.Token)
	png, err := qrcode.Encode(link, qrcode.Medium, size)
	if err != nil {
		return ynAnswer{}, fmt.Errorf("draw QR code: %w", err)
	}
	return ynAnswer{Data: map[string]string{
		"content":    s.BizCode,
		"imageData":  url.QueryEscape(base64.StdEncoding.EncodeToString(png)),
		"url":        link,
		"expireTime": s.ExpiresAt.In(app.Shanghai).Format(time.DateTime),
	}}, nil
}

type ynSearchBody struct {
	BizCode       string `json:"bizCode"`
	InvoiceCode   string `json:"invoiceCode"`
	InvoiceNumber string `json:"invoiceNumber"`
	StartDate     string `json:"startDate"`
	EndDate       string `json:"endDate"`
	TaxNos        []struct {
		TaxNo string `json:"taxNo"`
	} `json:"taxNos"`
}

// ynTime reads the search's dates, "yyyy-MM-dd HH:mm:ss" or "yyyy-MM-dd"
// in Asia/Shanghai; a bare end date covers its whole day.
func ynTime(field, s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation(time.DateTime, s, app.Shanghai); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, app.Shanghai)
	if err != nil {
		return time.Time{}, domain.Invalid(field, "must be yyyy-MM-dd HH:mm:ss or yyyy-MM-dd")
	}
	if end {
		t = t.AddDate(0, 0, 1).Add(-time.Microsecond)
	}
	return t, nil
}

func ynInt(field, s string, def int) (int, error) {
	if strings.TrimSpace(s) == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, domain.Invalid("header."+field, "must be a whole number")
	}
	return n, nil
}

func (h *yuanianHandler) search(c *fiber.Ctx, call *ynCall) (ynAnswer, error) {
	var body ynSearchBody
	if err := decodeBody(call, &body); err != nil {
		return ynAnswer{}, err
	}
	page, err := ynInt("page", call.header["page"], 1)
	if err != nil {
		return ynAnswer{}, err
	}
	size, err := ynInt("size", call.header["size"], 10)
	if err != nil {
		return ynAnswer{}, err
	}
	if page < 1 || size < 1 || size > 500 {
		return ynAnswer{}, domain.Invalid("header.size", "page must be at least 1 and size between 1 and 500")
	}
	f := app.InvoiceSearch{BizCode: body.BizCode, InvoiceCode: body.InvoiceCode, InvoiceNumber: body.InvoiceNumber}
	if f.UpdatedFrom, err = ynTime("startDate", body.StartDate, false); err != nil {
		return ynAnswer{}, err
	}
	if f.UpdatedTo, err = ynTime("endDate", body.EndDate, true); err != nil {
		return ynAnswer{}, err
	}
	for _, t := range body.TaxNos {
		if t.TaxNo != "" {
			f.BuyerTaxNumbers = append(f.BuyerTaxNumbers, t.TaxNo)
		}
	}
	invs, total, err := h.erp.SearchPage(c.UserContext(), f, page, size)
	if err != nil {
		return ynAnswer{}, err
	}
	list, err := h.invoices(c.UserContext(), invs, body.BizCode)
	if err != nil {
		return ynAnswer{}, err
	}
	return ynAnswer{Data: map[string]any{
		"page": strconv.Itoa(page), "size": strconv.Itoa(size),
		"totalPage":    strconv.FormatInt((total+int64(size)-1)/int64(size), 10),
		"invoiceCount": strconv.FormatInt(total, 10),
		"invoiceList":  list,
	}}, nil
}

type ynSignBody struct {
	NonceStr    string          `json:"noncestr"`
	JSAPITicket string          `json:"jsapiTicket"`
	Timestamp   json.RawMessage `json:"timestamp"`
	URL         string          `json:"url"`
}

// jsapiSign signs wx.config for the caller's own ticket (§3.1).
func (h *yuanianHandler) jsapiSign(_ *fiber.Ctx, call *ynCall) (ynAnswer, error) {
	var body ynSignBody
	if err := decodeBody(call, &body); err != nil {
		return ynAnswer{}, err
	}
	ts, ok := ynText(body.Timestamp)
	switch {
	case body.NonceStr == "":
		return ynAnswer{}, domain.Invalid("noncestr", "required")
	case body.JSAPITicket == "":
		return ynAnswer{}, domain.Invalid("jsapiTicket", "required")
	case !ok || ts == "":
		return ynAnswer{}, domain.Invalid("timestamp", "required: Unix seconds")
	case body.URL == "":
		return ynAnswer{}, domain.Invalid("url", "required: the page URL without #…")
	}
	page := body.URL
	if i := strings.IndexByte(page, '#'); i >= 0 {
		page = page[:i]
	}
	return ynAnswer{Data: app.JSAPISignature(body.JSAPITicket, body.NonceStr, ts, page)}, nil
}

// ynInvoice is an invoice in the seed's shape: camelCase, every value a
// string (money in yuan), absent optional values null
// (wechat-protocol.md §10's table).
type ynInvoice struct {
	BizCode               *string  `json:"bizCode"`
	CardID                string   `json:"cardId"`
	EncryptCode           string   `json:"encryptCode"`
	BeginTime             *string  `json:"beginTime"`
	EndTime               *string  `json:"endTime"`
	OpenID                string   `json:"openid"`
	Type                  string   `json:"type"`
	AmountTax             string   `json:"amountTax"`
	Title                 string   `json:"title"`
	BillingDate           *string  `json:"billingDate"`
	InvoiceCode           string   `json:"invoiceCode"`
	InvoiceNumber         string   `json:"invoiceNumber"`
	TotalAmount           string   `json:"totalAmount"`
	TotalTax              string   `json:"totalTax"`
	PDFURL                *string  `json:"pdfUrl"`
	TripPDFURL            *string  `json:"tripPdfUrl"`
	ReimburseStatus       string   `json:"reimburseStatus"`
	CheckCode             string   `json:"checkCode"`
	PurchaserTaxNo        string   `json:"purchaserTaxNo"`
	PurchaserAddressPhone string   `json:"purchaserAddressPhone"`
	PurchaserBank         string   `json:"purchaserBank"`
	SalesTaxNo            string   `json:"salesTaxNo"`
	SalesAddressPhone     string   `json:"salesAddressPhone"`
	SalesBank             string   `json:"salesBank"`
	Remarks               *string  `json:"remarks"`
	Payee                 string   `json:"payee"`
	Checker               *string  `json:"checker"`
	Drawer                *string  `json:"drawer"`
	Detail                *string  `json:"detail"`
	InvoiceLineList       []ynLine `json:"invoiceLineList"`

	// Ours, beyond the seed: our invoice id and the report holding it.
	ID       string  `json:"id"`
	ReportID *string `json:"reportId"`
	ynExpense
}

type ynLine struct {
	CommodityName string  `json:"commodityName"`
	Quantity      *string `json:"quantity"`
	Unit          *string `json:"unit"`
	UnitPrice     string  `json:"unitPrice"`
}

func ynOptional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func ynDateTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.In(app.Shanghai).Format(time.DateTime)
	return &s
}

// rawDetail is user_info.detail of the getinvoiceinfo answer kept at
// import; it has no field of its own.
func rawDetail(raw []byte) string {
	var r struct {
		Detail   string `json:"detail"`
		UserInfo struct {
			Detail string `json:"detail"`
		} `json:"user_info"`
	}
	if json.Unmarshal(raw, &r) != nil {
		return ""
	}
	if r.UserInfo.Detail != "" {
		return r.UserInfo.Detail
	}
	return r.Detail
}

func newYnInvoice(inv *domain.Invoice, bizCode string) ynInvoice {
	f := inv.Facts()
	v := ynInvoice{
		BizCode: ynOptional(bizCode), CardID: f.CardID, EncryptCode: f.EncryptCode,
		BeginTime: ynDateTime(f.ValidFrom), EndTime: ynDateTime(f.ValidUntil),
		OpenID: f.OwnerOpenID, Type: f.RawType, AmountTax: f.Amount.String(), Title: f.Buyer.Name,
		InvoiceCode: f.ID.Code, InvoiceNumber: f.ID.Number,
		TotalAmount: f.AmountWithoutTax.String(), TotalTax: f.Tax.String(),
		PDFURL: ynOptional(f.PDFURL), TripPDFURL: ynOptional(f.TripPDFURL), ReimburseStatus: inv.Status().Wire(),
		CheckCode: f.CheckCode, PurchaserTaxNo: f.Buyer.TaxNumber, PurchaserAddressPhone: f.Buyer.AddressPhone,
		PurchaserBank: f.Buyer.BankAccount, SalesTaxNo: f.Seller.TaxNumber, SalesAddressPhone: f.Seller.AddressPhone,
		SalesBank: f.Seller.BankAccount, Remarks: ynOptional(f.Remarks), Payee: f.Seller.Name,
		Drawer: ynOptional(f.Maker), Detail: ynOptional(rawDetail(f.Raw)),
		InvoiceLineList: make([]ynLine, len(f.Lines)), ID: string(inv.ID()), ReportID: ynOptional(string(inv.ReportID())),
	}
	if !f.IssuedAt.IsZero() {
		d := f.IssuedAt.In(app.Shanghai).Format(time.DateOnly)
		v.BillingDate = &d
	}
	for i, l := range f.Lines {
		v.InvoiceLineList[i] = ynLine{CommodityName: l.Name, Quantity: ynOptional(l.Quantity), Unit: ynOptional(l.Unit), UnitPrice: l.UnitPrice.String()}
	}
	return v
}

// invoices renders invoices with their bizCode: bizCode when given (the
// call's own), else the one each was imported under.
func (h *yuanianHandler) invoices(ctx context.Context, invs []*domain.Invoice, bizCode string) ([]ynInvoice, error) {
	codes := map[domain.InvoiceID]string{}
	if bizCode == "" {
		var err error
		if codes, err = h.erp.BizCodes(ctx, invs); err != nil {
			return nil, err
		}
	}
	out := make([]ynInvoice, len(invs))
	for i, inv := range invs {
		code := bizCode
		if code == "" {
			code = codes[inv.ID()]
		}
		out[i] = newYnInvoice(inv, code)
	}
	return out, h.addExpenses(ctx, invs, out)
}
