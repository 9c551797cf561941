package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/uptrace/bun"
)

// An invoice card in a user's wallet. card_id is the issuer's template
// (shared by many invoices), encrypt_code the wallet-side identity
// (base64-like, case-sensitive) and code the plain, issuer-side code.

// WeChat's reimburse statuses (wechat-protocol.md §5), in wire form.
const (
	statusInit    = "INVOICE_REIMBURSE_INIT"
	statusLock    = "INVOICE_REIMBURSE_LOCK"
	statusClosure = "INVOICE_REIMBURSE_CLOSURE"
	statusCancel  = "INVOICE_REIMBURSE_CANCEL"
)

func validStatus(s string) bool {
	switch s {
	case statusInit, statusLock, statusClosure, statusCancel:
		return true
	}
	return false
}

// wireStatus accepts the wire form or the short one ("LOCK"); "" if neither.
func wireStatus(s string) string {
	if !strings.HasPrefix(s, "INVOICE_REIMBURSE_") {
		s = "INVOICE_REIMBURSE_" + strings.ToUpper(s)
	}
	if validStatus(s) {
		return s
	}
	return ""
}

type invoiceRow struct {
	bun.BaseModel `bun:"table:sandbox_invoices"`
	EncryptCode   string `bun:"encrypt_code,pk"`
	CardID        string `bun:"card_id"`
	Code          string `bun:"code"`
	Channel       string `bun:"channel"`
	OwnerOpenID   string `bun:"owner_openid"`
	IssuerAppID   string `bun:"issuer_appid"`
	Status        string `bun:"reimburse_status"`
	LockedBy      string `bun:"locked_by_appid"`
	BillingNo     string `bun:"billing_no"`
	BillingCode   string `bun:"billing_code"`
	Fee           int64  `bun:"fee"`
	Type          string `bun:"invoice_type"`
	Payee         string `bun:"payee"`
	BeginTime     int64  `bun:"begin_time"`
	EndTime       int64  `bun:"end_time"`
	OrderID       string `bun:"order_id"`
	Data          string `bun:"data"` // invoiceData as JSON
	Seq           int64  `bun:"seq"`
	CreatedMS     int64  `bun:"created_ms"`
	UpdatedMS     int64  `bun:"updated_ms"`
}

// invoiceData is the rest of user_info.
type invoiceData struct {
	Title                 string     `json:"title"`
	BillingTime           int64      `json:"billing_time"`
	FeeWithoutTax         int64      `json:"fee_without_tax"`
	Tax                   int64      `json:"tax"`
	Info                  []lineItem `json:"info"`
	Detail                string     `json:"detail,omitempty"`
	PDFURL                string     `json:"pdf_url,omitempty"` // sandboxFile… expands to PublicBase
	TripPDFURL            string     `json:"trip_pdf_url,omitempty"`
	CheckCode             string     `json:"check_code"`
	BuyerNumber           string     `json:"buyer_number"`
	BuyerAddressAndPhone  string     `json:"buyer_address_and_phone"`
	BuyerBankAccount      string     `json:"buyer_bank_account"`
	SellerNumber          string     `json:"seller_number"`
	SellerAddressAndPhone string     `json:"seller_address_and_phone"`
	SellerBankAccount     string     `json:"seller_bank_account"`
	Remarks               string     `json:"remarks"`
	Cashier               string     `json:"cashier"`
	Maker                 string     `json:"maker"`
}

type lineItem struct {
	Name  string `json:"name"`
	Num   *int64 `json:"num,omitempty"`
	Unit  string `json:"unit"`
	Price int64  `json:"price"`
	Fee   *int64 `json:"fee,omitempty"`
}

// sandboxFile marks a PDF the sandbox serves itself; the URL is built from
// PublicBase when answering, so a changed base never leaves stale links.
const sandboxFile = "sandbox:"

func (r *invoiceRow) data() invoiceData {
	var d invoiceData
	_ = json.Unmarshal([]byte(r.Data), &d)
	return d
}

// Wire shapes of getinvoiceinfo and the batch items (wechat-protocol.md §4).
type invoiceView struct {
	CardID    string       `json:"card_id"`
	BeginTime int64        `json:"begin_time"`
	EndTime   int64        `json:"end_time"`
	OpenID    string       `json:"openid"`
	Type      string       `json:"type"`
	Payee     string       `json:"payee"`
	Detail    string       `json:"detail"`
	UserInfo  userInfoView `json:"user_info"`
}

type userInfoView struct {
	Fee                   int64      `json:"fee"`
	Title                 string     `json:"title"`
	BillingTime           int64      `json:"billing_time"`
	BillingNo             string     `json:"billing_no"`
	BillingCode           string     `json:"billing_code"`
	Info                  []lineItem `json:"info"`
	FeeWithoutTax         int64      `json:"fee_without_tax"`
	Tax                   int64      `json:"tax"`
	Detail                string     `json:"detail"`
	PDFURL                string     `json:"pdf_url"`
	TripPDFURL            string     `json:"trip_pdf_url,omitempty"`
	ReimburseStatus       string     `json:"reimburse_status"`
	CheckCode             string     `json:"check_code"`
	BuyerNumber           string     `json:"buyer_number"`
	BuyerAddressAndPhone  string     `json:"buyer_address_and_phone"`
	BuyerBankAccount      string     `json:"buyer_bank_account"`
	SellerNumber          string     `json:"seller_number"`
	SellerAddressAndPhone string     `json:"seller_address_and_phone"`
	SellerBankAccount     string     `json:"seller_bank_account"`
	Remarks               string     `json:"remarks"`
	Cashier               string     `json:"cashier"`
	Maker                 string     `json:"maker"`
}

func (s *Sandbox) fileURL(u string) string {
	if rest, ok := strings.CutPrefix(u, sandboxFile); ok {
		return s.opts.PublicBase + rest
	}
	return u
}

// view renders an invoice as getinvoiceinfo answers it. Line amounts
// (info[].fee) appear in WeCom's samples only, so only WeCom answers them.
func (s *Sandbox) view(r *invoiceRow) invoiceView {
	d := r.data()
	info := make([]lineItem, 0, len(d.Info))
	for _, l := range d.Info {
		if r.Channel != channelWork {
			l.Fee = nil
		} else if l.Fee == nil {
			fee := l.Price
			if l.Num != nil {
				fee = *l.Num * l.Price
			}
			l.Fee = &fee
		}
		info = append(info, l)
	}
	return invoiceView{
		CardID: r.CardID, BeginTime: r.BeginTime, EndTime: r.EndTime, OpenID: r.OwnerOpenID,
		Type: r.Type, Payee: r.Payee, Detail: d.Detail,
		UserInfo: userInfoView{
			Fee: r.Fee, Title: d.Title, BillingTime: d.BillingTime,
			BillingNo: r.BillingNo, BillingCode: r.BillingCode, Info: info,
			FeeWithoutTax: d.FeeWithoutTax, Tax: d.Tax, Detail: d.Detail,
			PDFURL: s.fileURL(d.PDFURL), TripPDFURL: s.fileURL(d.TripPDFURL),
			ReimburseStatus: r.Status, CheckCode: d.CheckCode,
			BuyerNumber: d.BuyerNumber, BuyerAddressAndPhone: d.BuyerAddressAndPhone, BuyerBankAccount: d.BuyerBankAccount,
			SellerNumber: d.SellerNumber, SellerAddressAndPhone: d.SellerAddressAndPhone, SellerBankAccount: d.SellerBankAccount,
			Remarks: d.Remarks, Cashier: d.Cashier, Maker: d.Maker,
		},
	}
}

// invoice loads the card (cardID, encryptCode) of a channel's wallets; nil
// when there is none. Both parts compare byte for byte.
func (s *Sandbox) invoice(ctx context.Context, db bun.IDB, channel, cardID, encryptCode string) (*invoiceRow, error) {
	if cardID == "" || encryptCode == "" {
		return nil, nil
	}
	var r invoiceRow
	q := db.NewSelect().Model(&r).Where("encrypt_code = ? AND card_id = ?", encryptCode, cardID)
	if channel != "" {
		q = q.Where("channel = ?", channel)
	}
	err := q.Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

func (s *Sandbox) invoiceByCode(ctx context.Context, db bun.IDB, cardID, code string) (*invoiceRow, error) {
	var r invoiceRow
	err := db.NewSelect().Model(&r).Where("code = ? AND card_id = ?", code, cardID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

func (s *Sandbox) wallet(ctx context.Context, openid, channel string) ([]invoiceRow, error) {
	var rows []invoiceRow
	q := s.db.NewSelect().Model(&rows).Where("owner_openid = ?", openid)
	if channel != "" {
		q = q.Where("channel = ?", channel)
	}
	err := q.OrderExpr("seq").Scan(ctx)
	return rows, err
}

// storeInvoice inserts a new card, numbering it after the others. Callers
// hold s.mu.
func (s *Sandbox) storeInvoice(ctx context.Context, r *invoiceRow) error {
	var maxSeq sql.NullInt64
	if err := s.db.NewSelect().Model((*invoiceRow)(nil)).ColumnExpr("MAX(seq)").Scan(ctx, &maxSeq); err != nil {
		return err
	}
	r.Seq = maxSeq.Int64 + 1
	r.CreatedMS = s.nowMS()
	r.UpdatedMS = r.CreatedMS
	_, err := s.db.NewInsert().Model(r).Exec(ctx)
	return err
}

// newCardCode is an unused plain code: 12 digits, as the samples.
func (s *Sandbox) newCardCode(ctx context.Context) (string, error) {
	for {
		code := randomDigits(12)
		n, err := s.db.NewSelect().Model((*invoiceRow)(nil)).Where("code = ?", code).Count(ctx)
		if err != nil || n == 0 {
			return code, err
		}
	}
}

func (s *Sandbox) duplicateBilling(ctx context.Context, billingCode, billingNo string) (bool, error) {
	n, err := s.db.NewSelect().Model((*invoiceRow)(nil)).
		Where("billing_code = ? AND billing_no = ?", billingCode, billingNo).Count(ctx)
	return n > 0, err
}
