package store

import (
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/domain"
)

type invoiceRow struct {
	bun.BaseModel `bun:"table:invoices"`

	ID                    string `bun:",pk"`
	OwnerID               string
	Source                string
	Channel               string
	CardID                string
	EncryptCode           string
	IssuerAppID           string `bun:"issuer_app_id"`
	OwnerOpenID           string `bun:"owner_open_id"`
	InvoiceCode           string
	InvoiceNumber         string
	NeedsReview           bool
	BillingNo             string
	BillingCode           string
	Kind                  string
	RawType               string
	CheckCode             string
	IssuedAt              time.Time `bun:",nullzero"`
	BuyerName             string
	BuyerTaxNumber        string
	BuyerAddressPhone     string
	BuyerBankAccount      string
	SellerName            string
	SellerTaxNumber       string
	SellerAddressPhone    string
	SellerBankAccount     string
	AmountCents           int64
	AmountWithoutTaxCents int64
	TaxCents              int64
	PDFURL                string `bun:"pdf_url"`
	TripPDFURL            string `bun:"trip_pdf_url"`
	Remarks               string
	Cashier               string
	Maker                 string
	ValidFrom             time.Time `bun:",nullzero"`
	ValidUntil            time.Time `bun:",nullzero"`
	Raw                   string
	WechatStatus          string
	WechatTarget          string
	StatusGeneration      int64
	TitleMatchesCompany   bool
	ImportedAt            time.Time
	UpdatedAt             time.Time
	Version               int64

	// The write claim (write_claims.go); never written through the row.
	WriteOwner string    `bun:",scanonly"`
	WriteUntil time.Time `bun:",scanonly,nullzero"`

	// Filled from report_invoices on load; not a column.
	ReportID string `bun:"report_id,scanonly"`

	// Finance's copies of the holding report's status and approval time
	// (0004), kept by syncFinanceColumns; read by finance's own queries.
	ReportStatus string    `bun:",scanonly"`
	ApprovedAt   time.Time `bun:",scanonly,nullzero"`
}

type invoiceLineRow struct {
	bun.BaseModel `bun:"table:invoice_lines"`

	InvoiceID      string `bun:",pk"`
	Position       int    `bun:",pk"`
	Name           string
	Quantity       string
	Unit           string
	UnitPriceCents int64
	AmountCents    int64
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

func invoiceFromDomain(inv *domain.Invoice) (invoiceRow, []invoiceLineRow) {
	d := inv.Data()
	f := d.Facts
	row := invoiceRow{
		ID: string(d.ID), OwnerID: string(d.OwnerID), Source: string(inv.Source()), Channel: string(f.Channel),
		CardID: f.CardID, EncryptCode: f.EncryptCode, IssuerAppID: f.IssuerAppID, OwnerOpenID: f.OwnerOpenID,
		InvoiceCode: f.ID.Code, InvoiceNumber: f.ID.Number, NeedsReview: f.NeedsReview,
		BillingNo: f.BillingNo, BillingCode: f.BillingCode, Kind: string(f.Kind), RawType: f.RawType,
		CheckCode: f.CheckCode, IssuedAt: utc(f.IssuedAt),
		BuyerName: f.Buyer.Name, BuyerTaxNumber: f.Buyer.TaxNumber, BuyerAddressPhone: f.Buyer.AddressPhone, BuyerBankAccount: f.Buyer.BankAccount,
		SellerName: f.Seller.Name, SellerTaxNumber: f.Seller.TaxNumber, SellerAddressPhone: f.Seller.AddressPhone, SellerBankAccount: f.Seller.BankAccount,
		AmountCents: f.Amount.Cents(), AmountWithoutTaxCents: f.AmountWithoutTax.Cents(), TaxCents: f.Tax.Cents(),
		PDFURL: f.PDFURL, TripPDFURL: f.TripPDFURL, Remarks: f.Remarks, Cashier: f.Cashier, Maker: f.Maker,
		ValidFrom: utc(f.ValidFrom), ValidUntil: utc(f.ValidUntil), Raw: string(f.Raw),
		WechatStatus: string(d.Status), WechatTarget: string(d.Target), StatusGeneration: d.StatusGeneration,
		TitleMatchesCompany: d.TitleMatchesCompany, ImportedAt: utc(d.ImportedAt), UpdatedAt: utc(d.UpdatedAt),
		Version: d.Version, ReportID: string(d.ReportID),
	}
	lines := make([]invoiceLineRow, len(f.Lines))
	for i, l := range f.Lines {
		lines[i] = invoiceLineRow{
			InvoiceID: row.ID, Position: i, Name: l.Name, Quantity: l.Quantity, Unit: l.Unit,
			UnitPriceCents: l.UnitPrice.Cents(), AmountCents: l.Amount.Cents(),
		}
	}
	return row, lines
}

func (r invoiceRow) toDomain(lines []invoiceLineRow) *domain.Invoice {
	f := domain.InvoiceFacts{
		Source: domain.InvoiceSource(r.Source), Channel: domain.Channel(r.Channel), CardID: r.CardID, EncryptCode: r.EncryptCode,
		IssuerAppID: r.IssuerAppID, OwnerOpenID: r.OwnerOpenID,
		ID: domain.BusinessID{Code: r.InvoiceCode, Number: r.InvoiceNumber}, NeedsReview: r.NeedsReview,
		BillingNo: r.BillingNo, BillingCode: r.BillingCode, Kind: domain.InvoiceKind(r.Kind), RawType: r.RawType,
		CheckCode: r.CheckCode, IssuedAt: utc(r.IssuedAt),
		Buyer:  domain.Party{Name: r.BuyerName, TaxNumber: r.BuyerTaxNumber, AddressPhone: r.BuyerAddressPhone, BankAccount: r.BuyerBankAccount},
		Seller: domain.Party{Name: r.SellerName, TaxNumber: r.SellerTaxNumber, AddressPhone: r.SellerAddressPhone, BankAccount: r.SellerBankAccount},
		Amount: domain.MoneyFromCents(r.AmountCents), AmountWithoutTax: domain.MoneyFromCents(r.AmountWithoutTaxCents),
		Tax: domain.MoneyFromCents(r.TaxCents), PDFURL: r.PDFURL, TripPDFURL: r.TripPDFURL,
		Remarks: r.Remarks, Cashier: r.Cashier, Maker: r.Maker,
		ValidFrom: utc(r.ValidFrom), ValidUntil: utc(r.ValidUntil), Raw: []byte(r.Raw),
	}
	for _, l := range lines {
		f.Lines = append(f.Lines, domain.InvoiceLine{
			Name: l.Name, Quantity: l.Quantity, Unit: l.Unit,
			UnitPrice: domain.MoneyFromCents(l.UnitPriceCents), Amount: domain.MoneyFromCents(l.AmountCents),
		})
	}
	return domain.RestoreInvoice(domain.InvoiceData{
		ID: domain.InvoiceID(r.ID), OwnerID: domain.EmployeeID(r.OwnerID), Facts: f,
		Status: domain.WeChatStatus(r.WechatStatus), Target: domain.WeChatStatus(r.WechatTarget), StatusGeneration: r.StatusGeneration,
		ReportID: domain.ReportID(r.ReportID), TitleMatchesCompany: r.TitleMatchesCompany,
		ImportedAt: utc(r.ImportedAt), UpdatedAt: utc(r.UpdatedAt), Version: r.Version,
	})
}
