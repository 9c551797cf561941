package parse

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"github.com/ledongthuc/pdf"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/baoxiao/baoxiao/domain"
)

func init() {
	// pdfcpu would otherwise create a configuration directory in $HOME.
	api.DisableConfigDir()
}

// parsePDF reads the QR code from the page images (identity, kind, date,
// amount, check code) and the text layer for names, tax ids and — on the
// 数电 layout only — number, date and total. Legacy PDFs' text cannot be
// trusted for code or number (einvoice-formats.md §4).
func parsePDF(data []byte) (*Result, error) {
	r := &Result{Format: FormatPDF}
	text, textErr := pdfText(data)
	qr, imgErr := pdfQR(data)
	if textErr != nil && imgErr != nil {
		return nil, fmt.Errorf("%w: PDF: %v", ErrCorrupt, textErr)
	}
	if qr != "" {
		r.applyQR("pdf:QR", qr)
	}
	applyPDFText(r, text)
	return r, nil
}

// pdfQR returns the first invoice QR text found in the images of the first pages.
func pdfQR(data []byte) (text string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("pdfcpu: %v", p)
		}
	}()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	pages := []string{"1-" + strconv.Itoa(maxPDFPages)}
	imgs, err := api.ExtractImagesRaw(bytes.NewReader(data), pages, conf)
	if err != nil {
		return "", err
	}
	for _, page := range imgs {
		for _, im := range page {
			b, err := io.ReadAll(io.LimitReader(im, 8<<20))
			if err != nil {
				continue
			}
			img, err := decodeImage(b)
			if err != nil {
				continue
			}
			if t, ok := qrFromImage(img); ok {
				if _, isInvoice := splitQR(t); isInvoice {
					return t, nil
				}
			}
		}
	}
	return "", nil
}

func pdfText(data []byte) (text string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("pdf text: %v", p)
		}
	}()
	rd, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", err
	}
	tr, err := rd.GetPlainText()
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(io.LimitReader(tr, 1<<20))
	return string(b), err
}

var (
	pdfNumberRe = regexp.MustCompile(`发票号码[:：]\s*(\d{20})\b`)
	pdfDateRe   = regexp.MustCompile(`开票日期[:：]\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)`)
	pdfTotalRe  = regexp.MustCompile(`[（(]\s*小写\s*[)）]\s*[¥￥]?\s*(-?[\d,]+\.\d{2})`)
	pdfSumRe    = regexp.MustCompile(`合\s*计\s*[¥￥]?\s*(-?[\d,]+\.\d{2})\s*[¥￥]?\s*(-?[\d,]+\.\d{2}|\*+)`)
	pdfNameRe   = regexp.MustCompile(`名\s*称[:：]\s*([^\s:：]+)`)
	pdfTaxIDRe  = regexp.MustCompile(`(?:统一社会信用代码/纳税人识别号|纳税人识别号)[:：]\s*([0-9A-Z]{15,20})`)
	pdfTitleRe  = regexp.MustCompile(`电子发票[（(][^）)]{2,20}[）)]`)
)

// applyPDFText takes names from labelled text (buyer first, then seller,
// as printed) and, on the 数电 layout, the number, date and total.
func applyPDFText(r *Result, text string) {
	if text == "" {
		return
	}
	s := r.from("pdf:text")
	title := pdfTitleRe.FindString(text)
	if title != "" && r.Title == "" {
		r.Title = title
	}
	// 数电 layout: the title says 电子发票（…） and the number is labelled.
	digital := title != "" && (r.Digital || r.QR == "")
	if digital {
		if m := pdfNumberRe.FindStringSubmatch(text); m != nil {
			s.digitalID(m[1])
		}
		if m := pdfDateRe.FindStringSubmatch(text); m != nil {
			s.date(m[1])
		}
		if m := pdfTotalRe.FindStringSubmatch(text); m != nil {
			s.money(FieldTotal, &r.Total, m[1])
		}
		// 合计 row: amount without tax, then tax.
		if m := pdfSumRe.FindStringSubmatch(text); m != nil {
			s.money(FieldWithoutTax, &r.WithoutTax, m[1])
			s.money(FieldTax, &r.Tax, m[2])
		}
		if r.Kind == "" {
			s.kind("", domain.KindOf(title, r.ID))
		}
	}
	if !digital {
		// Legacy layouts print the labels apart from the values: the
		// names cannot be told from the labels, so they are left for review.
		return
	}
	names := pdfNameRe.FindAllStringSubmatch(text, -1)
	ids := pdfTaxIDRe.FindAllStringSubmatch(text, -1)
	if len(names) == 2 {
		s.str(FieldBuyerName, &r.Buyer.Name, names[0][1])
		s.str(FieldSellerName, &r.Seller.Name, names[1][1])
	}
	if len(ids) == 2 {
		s.str(FieldBuyerTaxID, &r.Buyer.TaxID, ids[0][1])
		s.str(FieldSellerTaxID, &r.Seller.TaxID, ids[1][1])
	}
}
