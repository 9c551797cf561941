package wechat

import (
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// wireInvoice is getinvoiceinfo's answer and one item of a batch answer
// (wechat-protocol.md §4).
type wireInvoice struct {
	CardID      flexString    `json:"card_id"`
	EncryptCode flexString    `json:"encrypt_code"` // batch answers normally lack it
	BeginTime   flexInt       `json:"begin_time"`
	EndTime     flexInt       `json:"end_time"`
	OpenID      flexString    `json:"openid"`
	Type        flexString    `json:"type"`
	Payee       flexString    `json:"payee"`
	UserInfo    *wireUserInfo `json:"user_info"`
}

type wireUserInfo struct {
	Fee             flexInt    `json:"fee"`
	FeeWithoutTax   flexInt    `json:"fee_without_tax"`
	Tax             flexInt    `json:"tax"`
	Title           flexString `json:"title"`
	BillingTime     flexInt    `json:"billing_time"`
	BillingNo       flexString `json:"billing_no"`
	BillingCode     flexString `json:"billing_code"`
	Info            []wireLine `json:"info"`
	PDFURL          flexString `json:"pdf_url"`
	TripPDFURL      flexString `json:"trip_pdf_url"`
	TripPDFURLTypo  flexString `json:"trip_pdf_ur"` // one official page spells it so
	ReimburseStatus flexString `json:"reimburse_status"`
	CheckCode       flexString `json:"check_code"`

	BuyerNumber           flexString `json:"buyer_number"`
	BuyerAddressAndPhone  flexString `json:"buyer_address_and_phone"`
	BuyerBankAccount      flexString `json:"buyer_bank_account"`
	SellerNumber          flexString `json:"seller_number"`
	SellerAddressAndPhone flexString `json:"seller_address_and_phone"`
	SellerBankAccount     flexString `json:"seller_bank_account"`

	Remarks flexString `json:"remarks"`
	Cashier flexString `json:"cashier"`
	Maker   flexString `json:"maker"`
}

// wireLine is one info[] item. num is kept as text: it is printed as sent.
type wireLine struct {
	Name  flexString `json:"name"`
	Num   flexString `json:"num"`
	Unit  flexString `json:"unit"`
	Price flexInt    `json:"price"`
	Fee   flexInt    `json:"fee"`
}

// fetched turns a decoded answer into our invoice. raw is the JSON it was
// decoded from, kept for re-derivation. A problem is a per-invoice
// Unreadable error: asking again would give the same answer.
func (c *Client) fetched(api string, ref app.CardRef, w wireInvoice, raw []byte) (app.FetchedInvoice, error) {
	refuse := func(msg string) (app.FetchedInvoice, error) {
		return app.FetchedInvoice{}, newError(api, app.Unreadable, 0, msg)
	}
	if w.CardID != "" && string(w.CardID) != ref.CardID {
		return refuse("the answer is for another card_id")
	}
	u := w.UserInfo
	if u == nil {
		return refuse("the answer has no user_info")
	}
	if w.OpenID == "" {
		return refuse("the answer has no owner openid")
	}
	status, err := domain.ParseWeChatStatus(string(u.ReimburseStatus))
	if err != nil {
		return refuse("unknown reimburse_status")
	}
	id, review, err := domain.ClassifyBilling(string(u.BillingNo), string(u.BillingCode))
	if err != nil {
		return refuse("the invoice has neither billing_no nor billing_code")
	}
	amount := domain.MoneyFromCents(u.Fee.N)
	if !u.Fee.Set {
		// Without fee the gross amount would read 0.00 and pass unnoticed.
		// 价税合计 is by definition fee_without_tax + tax, so that sum stands
		// in, flagged for review; with neither there is no amount to claim.
		if !u.FeeWithoutTax.Set || !u.Tax.Set {
			return refuse("the answer has no fee")
		}
		amount = domain.MoneyFromCents(u.FeeWithoutTax.N).Add(domain.MoneyFromCents(u.Tax.N))
		review = true
	}
	trip := u.TripPDFURL
	if trip == "" {
		trip = u.TripPDFURLTypo
	}
	f := domain.InvoiceFacts{
		Channel:     c.channel,
		CardID:      ref.CardID,
		EncryptCode: ref.EncryptCode,
		OwnerOpenID: string(w.OpenID),

		ID:          id,
		NeedsReview: review,
		BillingNo:   string(u.BillingNo),
		BillingCode: string(u.BillingCode),
		Kind:        domain.KindOf(string(w.Type), id),
		RawType:     string(w.Type),
		CheckCode:   string(u.CheckCode),
		IssuedAt:    unixTime(u.BillingTime),

		Buyer: domain.Party{
			Name: string(u.Title), TaxNumber: string(u.BuyerNumber),
			AddressPhone: string(u.BuyerAddressAndPhone), BankAccount: string(u.BuyerBankAccount),
		},
		Seller: domain.Party{
			Name: string(w.Payee), TaxNumber: string(u.SellerNumber),
			AddressPhone: string(u.SellerAddressAndPhone), BankAccount: string(u.SellerBankAccount),
		},

		Amount:           amount,
		AmountWithoutTax: domain.MoneyFromCents(u.FeeWithoutTax.N),
		Tax:              domain.MoneyFromCents(u.Tax.N),
		Lines:            lines(u.Info),

		PDFURL:     string(u.PDFURL),
		TripPDFURL: string(trip),
		Remarks:    string(u.Remarks),
		Cashier:    string(u.Cashier),
		Maker:      string(u.Maker),
		ValidFrom:  unixTime(w.BeginTime),
		ValidUntil: unixTime(w.EndTime),

		Raw: raw,
	}
	return app.FetchedInvoice{Ref: ref, Facts: f, Status: status}, nil
}

// lines converts info[]. The amount is the line's fee when WeChat sends one,
// else price × num for an integral num, else price: without num the price
// holds the line amount (wechat-protocol.md §4).
func lines(in []wireLine) []domain.InvoiceLine {
	if len(in) == 0 {
		return nil
	}
	out := make([]domain.InvoiceLine, 0, len(in))
	for _, l := range in {
		price := domain.MoneyFromCents(l.Price.N)
		amount := price
		if l.Fee.Set {
			amount = domain.MoneyFromCents(l.Fee.N)
		} else if n, err := parseInteger(string(l.Num)); l.Num != "" && err == nil {
			amount = price.Times(n)
		}
		out = append(out, domain.InvoiceLine{
			Name: string(l.Name), Quantity: string(l.Num), Unit: string(l.Unit),
			UnitPrice: price, Amount: amount,
		})
	}
	return out
}

// unixTime reads WeChat's Unix seconds; 0 (or absent) is the zero time.
func unixTime(f flexInt) time.Time {
	if f.N == 0 {
		return time.Time{}
	}
	return time.Unix(f.N, 0).UTC()
}
