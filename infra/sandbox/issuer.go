package sandbox

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/domain"
)

// The issuer side (wechat-protocol.md §9, seeds/002): how invoices reach
// wallets (insert) and get red-flushed (platform/updatestatus → CANCEL,
// which pushes update_invoice_status). A reimburser never calls these in
// production; tests and the demo do.

// looseInvoice is an invoice as issuers and tests send it: user_info fields
// with lenient types (numbers as strings, strings as numbers).
type looseInvoice struct {
	Fee                   looseInt    `json:"fee"`
	FeeWithoutTax         looseInt    `json:"fee_without_tax"`
	Tax                   looseInt    `json:"tax"`
	BillingTime           looseInt    `json:"billing_time"`
	Title                 looseString `json:"title"`
	BillingNo             looseString `json:"billing_no"`
	BillingCode           looseString `json:"billing_code"`
	Info                  []looseLine `json:"info"`
	Detail                looseString `json:"detail"`
	PDFURL                looseString `json:"pdf_url"`
	TripPDFURL            looseString `json:"trip_pdf_url"`
	SPDFMediaID           looseString `json:"s_pdf_media_id"`
	STripPDFMediaID       looseString `json:"s_trip_pdf_media_id"`
	CheckCode             looseString `json:"check_code"`
	BuyerNumber           looseString `json:"buyer_number"`
	BuyerAddressAndPhone  looseString `json:"buyer_address_and_phone"`
	BuyerBankAccount      looseString `json:"buyer_bank_account"`
	SellerNumber          looseString `json:"seller_number"`
	SellerAddressAndPhone looseString `json:"seller_address_and_phone"`
	SellerBankAccount     looseString `json:"seller_bank_account"`
	Remarks               looseString `json:"remarks"`
	Cashier               looseString `json:"cashier"`
	Maker                 looseString `json:"maker"`
	// Card-level fields: WeChat takes them from the card template; the
	// sandbox has no createcard, so they may come with the invoice.
	Type      looseString `json:"type"`
	Payee     looseString `json:"payee"`
	BeginTime looseInt    `json:"begin_time"`
	EndTime   looseInt    `json:"end_time"`
}

type looseLine struct {
	Name  looseString `json:"name"`
	Num   looseInt    `json:"num"`
	Unit  looseString `json:"unit"`
	Price looseInt    `json:"price"`
	Fee   looseInt    `json:"fee"`
}

func (l looseInvoice) data() invoiceData {
	d := invoiceData{
		Title: l.Title.V, BillingTime: l.BillingTime.V, FeeWithoutTax: l.FeeWithoutTax.V, Tax: l.Tax.V,
		Detail: l.Detail.V, PDFURL: l.PDFURL.V, TripPDFURL: l.TripPDFURL.V, CheckCode: l.CheckCode.V,
		BuyerNumber: l.BuyerNumber.V, BuyerAddressAndPhone: l.BuyerAddressAndPhone.V, BuyerBankAccount: l.BuyerBankAccount.V,
		SellerNumber: l.SellerNumber.V, SellerAddressAndPhone: l.SellerAddressAndPhone.V, SellerBankAccount: l.SellerBankAccount.V,
		Remarks: l.Remarks.V, Cashier: l.Cashier.V, Maker: l.Maker.V,
		Info: []lineItem{},
	}
	for _, li := range l.Info {
		item := lineItem{Name: li.Name.V, Unit: li.Unit.V, Price: li.Price.V}
		if li.Num.Set {
			n := li.Num.V
			item.Num = &n
		}
		if li.Fee.Set {
			f := li.Fee.V
			item.Fee = &f
		}
		d.Info = append(d.Info, item)
	}
	return d
}

// billingSizeOK is the sandbox's 72043 rule: billing_no and billing_code
// must fall into wechat-protocol.md §1's length classes without needing
// review (8-digit number with a 10/12-digit code, either way round, or a
// 20-digit 数电 number with no code).
func billingSizeOK(no, code string) bool {
	_, review, err := domain.ClassifyBilling(no, code)
	return err == nil && !review
}

func decodeJSONObject(raw []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		// card_ext is often sent as a JSON string holding JSON.
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		raw = []byte(s)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}

func decodeLoose(m map[string]json.RawMessage) (looseInvoice, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return looseInvoice{}, err
	}
	var l looseInvoice
	err = json.Unmarshal(b, &l)
	return l, err
}

// POST /card/invoice/insert {order_id, card_id, appid, card_ext:{nonce_str,
// user_card:{invoice_user_data:{…}}}} → {code, openid}. WeChat knows the
// user from the order's invoicing authorisation; the sandbox has none, so
// the owner comes as "openid" (top level or in card_ext) and must be a user
// of one of the sandbox's apps (else 72038, order never authorised).
func (s *Sandbox) handleInsert(c *fiber.Ctx) error {
	if _, ok := s.authToken(c, channelOA); !ok {
		return nil
	}
	top, err := decodeJSONObject(c.Body())
	if err != nil {
		return fail(c, 47001)
	}
	var req struct {
		OrderID looseString `json:"order_id"`
		CardID  string      `json:"card_id"`
		AppID   string      `json:"appid"`
		OpenID  string      `json:"openid"`
		Channel string      `json:"channel"`
	}
	if b, _ := json.Marshal(top); json.Unmarshal(b, &req) != nil {
		return fail(c, 47001)
	}
	var ext map[string]json.RawMessage
	if raw, ok := top["card_ext"]; ok {
		if ext, err = decodeJSONObject(raw); err != nil {
			return fail(c, 47001)
		}
	}
	var userData map[string]json.RawMessage
	if raw, ok := ext["user_card"]; ok {
		var uc map[string]json.RawMessage
		if uc, err = decodeJSONObject(raw); err != nil {
			return fail(c, 47001)
		}
		if raw, ok := uc["invoice_user_data"]; ok {
			if userData, err = decodeJSONObject(raw); err != nil {
				return fail(c, 47001)
			}
		}
	}
	if req.OpenID == "" && ext["openid"] != nil {
		_ = json.Unmarshal(ext["openid"], &req.OpenID)
	}
	if req.CardID == "" || userData == nil {
		return fail(c, 72031)
	}
	inv, err := decodeLoose(userData)
	if err != nil {
		return fail(c, 47001)
	}
	c.Locals(localInvoices, 1)
	c.Locals(localOpenID, req.OpenID)
	if !inv.Fee.Set || !inv.BillingTime.Set {
		return fail(c, 72031)
	}
	if !billingSizeOK(inv.BillingNo.V, inv.BillingCode.V) {
		return fail(c, 72043)
	}
	ctx := c.UserContext()
	channel, ok, err := s.ownerChannel(ctx, req.OpenID, req.Channel)
	if err != nil {
		return err
	}
	if !ok {
		return fail(c, 72038)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dup, err := s.duplicateBilling(ctx, inv.BillingCode.V, inv.BillingNo.V)
	if err != nil {
		return err
	}
	if dup {
		return fail(c, 72042)
	}
	code, err := s.newCardCode(ctx)
	if err != nil {
		return err
	}
	d := inv.data()
	// s_pdf_media_id names an uploaded PDF; the sandbox serves a stand-in.
	if d.PDFURL == "" && inv.SPDFMediaID.V != "" {
		d.PDFURL = sandboxFile + "/_files/" + code + ".pdf"
	}
	if d.TripPDFURL == "" && inv.STripPDFMediaID.V != "" {
		d.TripPDFURL = sandboxFile + "/_files/" + code + "-trip.pdf"
	}
	issuer := req.AppID
	if issuer == "" {
		issuer = "wx" + shortHash("issuer/"+req.CardID, 16)
	}
	row := &invoiceRow{
		EncryptCode: randomEncryptCode(), CardID: req.CardID, Code: code, Channel: channel,
		OwnerOpenID: req.OpenID, IssuerAppID: issuer, Status: statusInit,
		BillingNo: inv.BillingNo.V, BillingCode: inv.BillingCode.V, Fee: inv.Fee.V,
		Type: orDefault(inv.Type.V, "增值税电子普通发票"), Payee: orDefault(inv.Payee.V, inv.Title.V),
		BeginTime: inv.BeginTime.V, EndTime: inv.EndTime.V, OrderID: req.OrderID.V,
	}
	if err := s.saveNewInvoice(ctx, row, d); err != nil {
		return err
	}
	return reply(c, struct {
		wxStatus
		Code   string `json:"code"`
		OpenID string `json:"openid"`
	}{okStatus(), code, req.OpenID})
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}

func (s *Sandbox) saveNewInvoice(ctx context.Context, row *invoiceRow, d invoiceData) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	row.Data = string(b)
	return s.storeInvoice(ctx, row)
}

// ownerChannel finds which channel's wallet openid is: the OA account's
// users first, then the WeCom corp's. want narrows it ("oa"/"work").
func (s *Sandbox) ownerChannel(ctx context.Context, openid, want string) (string, bool, error) {
	if openid == "" {
		return "", false, nil
	}
	for _, a := range []appConfig{s.oa, s.work} {
		if want != "" && want != a.channel {
			continue
		}
		u, err := s.userByOpenID(ctx, a.channel, a.appID, openid)
		if err != nil {
			return "", false, err
		}
		if u != nil && u.OpenID == openid {
			return a.channel, true, nil
		}
	}
	return "", false, nil
}

// POST /card/invoice/platform/updatestatus {card_id, code, reimburse_status}
// with the plain code. Red-flushing (→ CANCEL) is allowed from INIT and
// LOCK; nothing leaves CLOSURE or CANCEL (72024). Each change pushes an
// update_invoice_status event to the wallet channel's callback.
func (s *Sandbox) handlePlatformUpdateStatus(c *fiber.Ctx) error {
	if _, ok := s.authToken(c, channelOA); !ok {
		return nil
	}
	var req struct {
		CardID          string `json:"card_id"`
		Code            string `json:"code"`
		ReimburseStatus string `json:"reimburse_status"`
	}
	if !decodeBody(c, &req) {
		return fail(c, 47001)
	}
	c.Locals(localInvoices, 1)
	if req.CardID == "" || req.Code == "" || req.ReimburseStatus == "" {
		return fail(c, 72031)
	}
	if !validStatus(req.ReimburseStatus) {
		return fail(c, 72024)
	}
	ctx := c.UserContext()
	s.mu.Lock()
	inv, err := s.invoiceByCode(ctx, s.db, req.CardID, req.Code)
	if err != nil || inv == nil {
		s.mu.Unlock()
		if err != nil {
			return err
		}
		return fail(c, 72031)
	}
	if inv.Status == statusClosure || inv.Status == statusCancel {
		s.mu.Unlock()
		return fail(c, 72024)
	}
	inv.Status = req.ReimburseStatus
	if inv.Status != statusLock {
		inv.LockedBy = ""
	}
	inv.UpdatedMS = s.nowMS()
	_, err = s.db.NewUpdate().Model(inv).Column("reimburse_status", "locked_by_appid", "updated_ms").WherePK().Exec(ctx)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	s.pushStatusEvent(*inv)
	return reply(c, okStatus())
}

// POST /card/code/decrypt {encrypt_code} → {code}
func (s *Sandbox) handleCodeDecrypt(c *fiber.Ctx) error {
	if _, ok := s.authToken(c, channelOA); !ok {
		return nil
	}
	var req struct {
		EncryptCode string `json:"encrypt_code"`
	}
	if !decodeBody(c, &req) {
		return fail(c, 47001)
	}
	if req.EncryptCode == "" {
		return fail(c, 72031)
	}
	var r invoiceRow
	err := s.db.NewSelect().Model(&r).Where("encrypt_code = ?", req.EncryptCode).Scan(c.UserContext())
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fail(c, 40056)
		}
		return err
	}
	return reply(c, struct {
		wxStatus
		Code string `json:"code"`
	}{okStatus(), r.Code})
}
