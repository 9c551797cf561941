package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

var sampleRef = app.CardRef{CardID: "pX", EncryptCode: "Ab+c/d=="}

// fetchFixture serves a recorded getinvoiceinfo answer and reads it.
func fetchFixture(t *testing.T, file string, o Options) (app.FetchedInvoice, error) {
	t.Helper()
	f := newFake(t)
	f.answerFile(t, oaPaths.invoice, file)
	return f.oa(o).Invoice(context.Background(), sampleRef)
}

func money(cents int64) domain.Money { return domain.MoneyFromCents(cents) }

func TestDecodeProtocolSample(t *testing.T) {
	inv, err := fetchFixture(t, "protocol_sample.json", Options{})
	require.NoError(t, err)
	raw, _ := os.ReadFile(filepath.Join("testdata", "protocol_sample.json"))
	f := inv.Facts
	require.Equal(t, sampleRef, inv.Ref)
	require.Equal(t, domain.StatusInit, inv.Status)
	require.Equal(t, domain.ChannelOA, f.Channel)
	require.Equal(t, "pX", f.CardID)
	require.Equal(t, "Ab+c/d==", f.EncryptCode)
	require.Equal(t, "oOWNER", f.OwnerOpenID)
	require.Equal(t, domain.BusinessID{Code: "044031900111", Number: "12345678"}, f.ID)
	require.False(t, f.NeedsReview)
	require.Equal(t, "12345678", f.BillingNo)
	require.Equal(t, "044031900111", f.BillingCode)
	require.Equal(t, domain.KindVATENormal, f.Kind)
	require.Equal(t, "增值税电子普通发票", f.RawType)
	require.Equal(t, time.Unix(1478620800, 0).UTC(), f.IssuedAt)
	require.Equal(t, time.Unix(1478620800, 0).UTC(), f.ValidFrom)
	require.Equal(t, time.Unix(1510156800, 0).UTC(), f.ValidUntil)
	require.Equal(t, domain.Party{Name: "某公司"}, f.Buyer)
	require.Equal(t, domain.Party{Name: "某公司"}, f.Seller)
	require.Equal(t, "106.00", f.Amount.String())
	require.Equal(t, "100.00", f.AmountWithoutTax.String())
	require.Equal(t, "6.00", f.Tax.String())
	require.True(t, f.AmountsConsistent())
	require.Equal(t, []domain.InvoiceLine{{Name: "*服务*咨询费", Quantity: "1", Unit: "次", UnitPrice: money(10000), Amount: money(10000)}}, f.Lines)
	require.Equal(t, "https://example.invalid/a.pdf", f.PDFURL)
	require.Equal(t, "12345678901234567890", f.CheckCode)
	require.JSONEq(t, string(raw), string(f.Raw))
}

func TestDecodeAmountsAsStrings(t *testing.T) {
	inv, err := fetchFixture(t, "amounts_as_strings.json", Options{})
	require.NoError(t, err)
	f := inv.Facts
	require.Equal(t, domain.StatusLock, inv.Status)
	require.Equal(t, "50.85", f.Amount.String())
	require.Equal(t, "45.00", f.AmountWithoutTax.String())
	require.Equal(t, "5.85", f.Tax.String())
	require.Equal(t, domain.BusinessID{Code: "4403190011", Number: "87654321"}, f.ID)
	require.Equal(t, domain.KindVATESpecial, f.Kind)
	require.Equal(t, time.Unix(1700000000, 0).UTC(), f.IssuedAt)
	require.True(t, f.ValidFrom.IsZero())
	require.True(t, f.ValidUntil.IsZero())
	require.Equal(t, domain.Party{Name: "演示科技有限公司", TaxNumber: "91440300MA5DEMO001"}, f.Buyer)
	require.Equal(t, domain.Party{Name: "深圳某某科技有限公司", TaxNumber: "91440300MA5SELL001", AddressPhone: "深圳市南山区 0755-0000000", BankAccount: "招商银行 123456"}, f.Seller)
	require.Equal(t, []domain.InvoiceLine{{Name: "*信息技术服务*服务费", Quantity: "3", Unit: "项", UnitPrice: money(1500), Amount: money(4500)}}, f.Lines)
	require.Equal(t, "https://example.invalid/trip.pdf", f.TripPDFURL, "the trip_pdf_ur misspelling is read too")
	require.Equal(t, "备注", f.Remarks)
	require.Equal(t, "张三", f.Cashier)
	require.Equal(t, "李四", f.Maker)
}

func TestDecodeLines(t *testing.T) {
	inv, err := fetchFixture(t, "discount_lines.json", Options{})
	require.NoError(t, err)
	require.Equal(t, domain.StatusClosure, inv.Status)
	require.Equal(t, []domain.InvoiceLine{
		{Name: "*餐饮服务*餐费", Quantity: "2", Unit: "次", UnitPrice: money(5500), Amount: money(11000)},
		{Name: "折扣", Quantity: "", Unit: "", UnitPrice: money(-1000), Amount: money(-1000)}, // no num: price is the amount
		{Name: "*餐饮服务*茶位费", Quantity: "1.5", Unit: "位", UnitPrice: money(400), Amount: money(400)},
		{Name: "*餐饮服务*服务费", Quantity: "3", Unit: "次", UnitPrice: money(100), Amount: money(290)}, // fee wins
	}, inv.Facts.Lines)
	require.True(t, inv.Facts.Lines[1].Amount.IsNegative())
	require.Equal(t, "https://example.invalid/trip-b.pdf", inv.Facts.TripPDFURL)
}

func TestDecodeOldBillingConvention(t *testing.T) {
	inv, err := fetchFixture(t, "old_convention.json", Options{})
	require.NoError(t, err)
	f := inv.Facts
	require.Equal(t, domain.BusinessID{Code: "044031900111", Number: "12345678"}, f.ID)
	require.False(t, f.NeedsReview)
	require.Equal(t, "044031900111", f.BillingNo, "raw fields are kept as sent")
	require.Equal(t, "12345678", f.BillingCode)
	require.True(t, f.AmountsConsistent())
}

func TestDecodeDigitalNumberAsBareJSONNumber(t *testing.T) {
	inv, err := fetchFixture(t, "digital_number.json", Options{})
	require.NoError(t, err)
	f := inv.Facts
	// 24442000000012345678 overflows int64 and float64: the digits survive.
	require.Equal(t, "24442000000012345678", f.BillingNo)
	require.Equal(t, domain.BusinessID{Number: "24442000000012345678"}, f.ID)
	require.True(t, f.ID.Digital())
	require.Equal(t, domain.KindDigitalNormal, f.Kind)
	require.False(t, f.AmountsConsistent(), "9434 + 565 ≠ 10000 is kept, not corrected")
}

func TestDecodeOddShapeNeedsReview(t *testing.T) {
	inv, err := fetchFixture(t, "odd_shape.json", Options{})
	require.NoError(t, err)
	require.True(t, inv.Facts.NeedsReview)
	require.Equal(t, domain.BusinessID{Number: "ABC123"}, inv.Facts.ID)
	require.Nil(t, inv.Facts.Lines)
	require.True(t, inv.Facts.IssuedAt.IsZero())
}

// A missing fee is never 0.00: the sum of its parts stands in, for review.
func TestDecodeMissingFeeNeedsReview(t *testing.T) {
	inv, err := fetchFixture(t, "no_fee.json", Options{})
	require.NoError(t, err)
	require.True(t, inv.Facts.NeedsReview)
	require.Equal(t, "106.00", inv.Facts.Amount.String())
	require.Equal(t, domain.BusinessID{Code: "044031900111", Number: "12345678"}, inv.Facts.ID)
}

func TestDecodeRefusals(t *testing.T) {
	for file, msg := range map[string]string{
		"no_billing.json":     "neither billing_no nor billing_code",
		"fractional_fee.json": "unreadable answer",
		"no_amounts.json":     "no fee",
	} {
		t.Run(file, func(t *testing.T) {
			_, err := fetchFixture(t, file, Options{})
			var we *app.WeChatError
			require.True(t, errors.As(err, &we), "%v", err)
			require.Equal(t, app.Unreadable, we.Kind)
			require.Equal(t, "getinvoiceinfo", we.API)
			require.Contains(t, we.Errmsg, msg)
		})
	}
}

func TestResponseOverSizeLimit(t *testing.T) {
	_, err := fetchFixture(t, "oversized.json", Options{MaxResponseBytes: 1024})
	var we *app.WeChatError
	require.True(t, errors.As(err, &we), "%v", err)
	require.Equal(t, app.Unreadable, we.Kind)
	require.Contains(t, we.Errmsg, "larger than 1024 bytes")

	// Under the default 4 MiB it reads fine.
	inv, err := fetchFixture(t, "oversized.json", Options{})
	require.NoError(t, err)
	require.Len(t, inv.Facts.Lines, 60)
}

func TestFlexNumbers(t *testing.T) {
	for in, want := range map[string]flexInt{
		`10600`: {10600, true}, `"10600"`: {10600, true}, `-1000`: {-1000, true}, `" -5 "`: {-5, true},
		`"100.00"`: {100, true}, `null`: {}, `""`: {}, `0`: {0, true},
	} {
		var got flexInt
		require.NoError(t, json.Unmarshal([]byte(in), &got), in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{`1.5`, `"1.5"`, `1e3`, `"abc"`, `true`, `{}`, `99999999999999999999`} {
		var got flexInt
		require.Error(t, json.Unmarshal([]byte(in), &got), in)
	}
	for in, want := range map[string]flexString{
		`"044031900111"`: "044031900111", `24442000000012345678`: "24442000000012345678", `null`: "", `1.5`: "1.5",
	} {
		var got flexString
		require.NoError(t, json.Unmarshal([]byte(in), &got), in)
		require.Equal(t, want, got, in)
	}
}

func TestCacheTTL(t *testing.T) {
	require.Equal(t, 7200*time.Second-5*time.Minute, cacheTTL(7200))
	require.Equal(t, 200*time.Second, cacheTTL(400))
	require.Equal(t, time.Second, cacheTTL(1))
	require.Equal(t, time.Second, cacheTTL(0))
}
