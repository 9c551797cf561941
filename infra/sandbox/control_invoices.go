package sandbox

import (
	"encoding/json"
	"net/url"

	"github.com/gofiber/fiber/v2"
)

// The invoice side of the _control API: read and set an invoice's state,
// create invoices in any wallet, list a wallet.

// GET /_control/invoice?card_id&encrypt_code
func (s *Sandbox) ctlInvoice(c *fiber.Ctx) error {
	inv, err := s.invoice(c.UserContext(), s.db, "", c.Query("card_id"), c.Query("encrypt_code"))
	if err != nil {
		return err
	}
	if inv == nil {
		return ctlError(c, 404, "no invoice with that card_id and encrypt_code")
	}
	return c.JSON(fiber.Map{
		"reimburse_status": inv.Status, "owner_openid": inv.OwnerOpenID, "locked_by_appid": inv.LockedBy,
		"code": inv.Code, "channel": inv.Channel, "answer_patch": s.ctl.answerPatch(inv.CardID, inv.EncryptCode),
	})
}

// POST /_control/invoice {card_id, encrypt_code, reimburse_status,
// locked_by_appid, answer_patch}: sets an invoice's state directly, outside
// the rules. answer_patch is a JSON merge patch on the invoice as the
// reimburser reads answer it (answers.go); null or {} removes it.
func (s *Sandbox) ctlSetInvoice(c *fiber.Ctx) error {
	var req struct {
		CardID          string          `json:"card_id"`
		EncryptCode     string          `json:"encrypt_code"`
		ReimburseStatus string          `json:"reimburse_status"`
		LockedByAppID   *string         `json:"locked_by_appid"`
		AnswerPatch     json.RawMessage `json:"answer_patch"`
	}
	if err := ctlDecode(c, &req); err != nil {
		return ctlError(c, 400, "bad JSON: %v", err)
	}
	ctx := c.UserContext()
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, err := s.invoice(ctx, s.db, "", req.CardID, req.EncryptCode)
	if err != nil {
		return err
	}
	if inv == nil {
		return ctlError(c, 404, "no invoice with that card_id and encrypt_code")
	}
	if req.ReimburseStatus != "" {
		if inv.Status = wireStatus(req.ReimburseStatus); inv.Status == "" {
			return ctlError(c, 400, "unknown reimburse_status %q", req.ReimburseStatus)
		}
	}
	if req.LockedByAppID != nil {
		inv.LockedBy = *req.LockedByAppID
	}
	if len(req.AnswerPatch) > 0 {
		if err := s.ctl.setAnswerPatch(inv.CardID, inv.EncryptCode, req.AnswerPatch); err != nil {
			return ctlError(c, 400, "%v", err)
		}
	}
	inv.UpdatedMS = s.nowMS()
	if _, err := s.db.NewUpdate().Model(inv).Column("reimburse_status", "locked_by_appid", "updated_ms").
		WherePK().Exec(ctx); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"reimburse_status": inv.Status, "owner_openid": inv.OwnerOpenID,
		"locked_by_appid": inv.LockedBy, "code": inv.Code, "channel": inv.Channel,
		"answer_patch": s.ctl.answerPatch(inv.CardID, inv.EncryptCode)})
}

// POST /_control/invoices {"owner_openid", "channel", "reimburse_status",
// "locked_by_appid", card-level and user_info fields (flat or under
// "user_info")} → {card_id, encrypt_code, code}. It bypasses 72042 and
// 72043: duplicates and odd numbers are what tests need it for.
func (s *Sandbox) ctlAddInvoice(c *fiber.Ctx) error {
	top, err := decodeJSONObject(c.Body())
	if err != nil {
		return ctlError(c, 400, "bad JSON: %v", err)
	}
	var meta struct {
		OwnerOpenID     string `json:"owner_openid"`
		Channel         string `json:"channel"`
		ReimburseStatus string `json:"reimburse_status"`
		LockedByAppID   string `json:"locked_by_appid"`
		CardID          string `json:"card_id"`
		EncryptCode     string `json:"encrypt_code"`
		Code            string `json:"code"`
		AppID           string `json:"app_id"`
		OrderID         string `json:"order_id"`
	}
	b, _ := json.Marshal(top)
	if err := json.Unmarshal(b, &meta); err != nil {
		return ctlError(c, 400, "bad field: %v", err)
	}
	if ui, ok := top["user_info"]; ok {
		m, err := decodeJSONObject(ui)
		if err != nil {
			return ctlError(c, 400, "bad user_info: %v", err)
		}
		for k, v := range m {
			top[k] = v
		}
	}
	inv, err := decodeLoose(top)
	if err != nil {
		return ctlError(c, 400, "bad invoice field: %v", err)
	}
	if meta.OwnerOpenID == "" {
		return ctlError(c, 400, "owner_openid is required")
	}
	status := statusInit
	if meta.ReimburseStatus != "" {
		if status = wireStatus(meta.ReimburseStatus); status == "" {
			return ctlError(c, 400, "unknown reimburse_status %q", meta.ReimburseStatus)
		}
	}
	ctx := c.UserContext()
	channel := meta.Channel
	switch channel {
	case channelOA, channelWork:
	case "":
		ch, ok, err := s.ownerChannel(ctx, meta.OwnerOpenID, "")
		if err != nil {
			return err
		}
		channel = channelOA
		if ok {
			channel = ch
		}
	default:
		return ctlError(c, 400, `channel must be "oa" or "work"`)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if meta.Code == "" {
		if meta.Code, err = s.newCardCode(ctx); err != nil {
			return err
		}
	}
	if meta.EncryptCode == "" {
		meta.EncryptCode = randomEncryptCode()
	}
	if !inv.BillingNo.Set && !inv.BillingCode.Set {
		inv.BillingNo.V, inv.BillingCode.V = randomDigits(8), "0"+randomDigits(11)
	}
	if !inv.Fee.Set && !inv.FeeWithoutTax.Set && !inv.Tax.Set {
		inv.Fee.V, inv.FeeWithoutTax.V, inv.Tax.V = 10600, 10000, 600
	}
	d := inv.data()
	if !inv.Title.Set {
		d.Title = s.opts.CompanyName
		d.BuyerNumber = orDefault(d.BuyerNumber, s.opts.CompanyTaxNumber)
	}
	if !inv.BillingTime.Set {
		d.BillingTime = s.now().Unix()
	}
	if len(d.Info) == 0 && inv.Info == nil {
		one := int64(1)
		d.Info = []lineItem{{Name: "*餐饮服务*餐费", Num: &one, Unit: "次", Price: d.FeeWithoutTax}}
	}
	if d.PDFURL == "" {
		d.PDFURL = sandboxFile + "/_files/" + meta.Code + ".pdf"
	}
	payee := orDefault(inv.Payee.V, "深圳市演示供应商有限公司")
	if meta.CardID == "" {
		meta.CardID = cardIDFor(payee)
	}
	if meta.AppID == "" {
		meta.AppID = issuerAppIDFor(payee)
	}
	lockedBy := meta.LockedByAppID
	if lockedBy == "" && status == statusLock {
		lockedBy = "wxothercompany00001"
	}
	row := &invoiceRow{
		EncryptCode: meta.EncryptCode, CardID: meta.CardID, Code: meta.Code, Channel: channel,
		OwnerOpenID: meta.OwnerOpenID, IssuerAppID: meta.AppID, Status: status, LockedBy: lockedBy,
		BillingNo: inv.BillingNo.V, BillingCode: inv.BillingCode.V, Fee: inv.Fee.V,
		Type: orDefault(inv.Type.V, "增值税电子普通发票"), Payee: payee,
		BeginTime: inv.BeginTime.V, EndTime: inv.EndTime.V, OrderID: meta.OrderID,
	}
	if err := s.saveNewInvoice(ctx, row, d); err != nil {
		return ctlError(c, 409, "store invoice (card_id+encrypt_code and code must be new): %v", err)
	}
	return c.JSON(fiber.Map{"card_id": row.CardID, "encrypt_code": row.EncryptCode, "code": row.Code})
}

// GET /_control/wallets/{openid}
func (s *Sandbox) ctlWallet(c *fiber.Ctx) error {
	openid, err := url.PathUnescape(c.Params("openid"))
	if err != nil {
		return ctlError(c, 400, "bad openid")
	}
	rows, err := s.wallet(c.UserContext(), openid, c.Query("channel"))
	if err != nil {
		return err
	}
	type item struct {
		CardID          string `json:"card_id"`
		EncryptCode     string `json:"encrypt_code"`
		ReimburseStatus string `json:"reimburse_status"`
		BillingNo       string `json:"billing_no"`
		BillingCode     string `json:"billing_code"`
		Fee             int64  `json:"fee"`
		Code            string `json:"code"`
		Channel         string `json:"channel"`
		LockedByAppID   string `json:"locked_by_appid"`
		Type            string `json:"type"`
		Payee           string `json:"payee"`
	}
	items := make([]item, 0, len(rows))
	for _, r := range rows {
		items = append(items, item{r.CardID, r.EncryptCode, r.Status, r.BillingNo, r.BillingCode, r.Fee,
			r.Code, r.Channel, r.LockedBy, r.Type, r.Payee})
	}
	return c.JSON(fiber.Map{"items": items})
}
