// Package intake adapts the file parser (infra/intake/parse) to the intake
// use case (app/intake): what a file says becomes an invoice's facts.
package intake

import (
	appintake "github.com/baoxiao/baoxiao/app/intake"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/intake/parse"
)

// Reader reads files with parse.Parse.
type Reader struct{}

// Read implements app/intake.Reader.
func (Reader) Read(name string, data []byte) ([]appintake.Reading, error) {
	results, err := parse.Parse(name, data)
	if err != nil {
		return nil, err
	}
	out := make([]appintake.Reading, len(results))
	for i, r := range results {
		out[i] = reading(r)
	}
	return out, nil
}

func reading(r parse.Result) appintake.Reading {
	out := appintake.Reading{
		Name: r.Name, MediaType: mediaType(r.Format, r.Data), Data: r.Data, Err: r.Err,
		Digital: r.Digital, Missing: r.NeedsReview,
		Red: r.Red, RedMarks: r.RedMarks, RedOriginal: r.OriginalNumber,
	}
	if r.Err != nil {
		return out
	}
	f := domain.InvoiceFacts{
		ID: r.ID, Kind: r.Kind, RawType: r.RawKind, CheckCode: r.CheckCode, IssuedAt: r.IssuedOn,
		Buyer:   domain.Party{Name: r.Buyer.Name, TaxNumber: r.Buyer.TaxID},
		Seller:  domain.Party{Name: r.Seller.Name, TaxNumber: r.Seller.TaxID},
		Remarks: r.Note,
	}
	f.Amount = orZero(r.Total)
	f.AmountWithoutTax = orZero(r.WithoutTax)
	f.Tax = orZero(r.Tax)
	for _, l := range r.Lines {
		line := domain.InvoiceLine{Name: l.Name, Quantity: l.Quantity, Unit: l.Unit, Amount: orZero(l.Amount)}
		// A unit price of more than two decimals is kept in the original
		// only: money is never rounded here.
		if p, err := domain.ParseMoney(l.UnitPrice); err == nil {
			line.UnitPrice = p
		}
		f.Lines = append(f.Lines, line)
	}
	out.Facts = f
	return out
}

func orZero(m *domain.Money) domain.Money {
	if m == nil {
		return domain.Zero
	}
	return *m
}

// mediaType names an original's type (DECISIONS 42 ranks XML > OFD > PDF).
func mediaType(f parse.Format, data []byte) string {
	switch f {
	case parse.FormatDigitalXML, parse.FormatLegacyXML:
		return "application/xml"
	case parse.FormatOFD:
		return "application/ofd"
	case parse.FormatPDF:
		return "application/pdf"
	case parse.FormatImage:
		if len(data) > 0 && data[0] == 0xFF {
			return "image/jpeg"
		}
		return "image/png"
	}
	return "application/octet-stream"
}
