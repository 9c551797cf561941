package parse

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/baoxiao/baoxiao/domain"
)

// xmlDoc is an XML file flattened to its leaves, matched by local name
// (namespace prefixes vary between issuers).
type xmlDoc struct {
	root   string            // local name of the root element
	space  string            // namespace URI of the root
	first  map[string]string // "Parent/Leaf" and "Leaf" → first non-empty value
	items  []map[string]string
	leaves int
}

// scanXML flattens data. Elements named in itemNames start a new item
// (a line), whose leaves go into items as well as into first.
func scanXML(data []byte, itemNames ...string) (*xmlDoc, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return in, nil
		}
		return nil, fmt.Errorf("unsupported charset %q", label)
	}
	d := &xmlDoc{first: map[string]string{}}
	var stack []string
	var text strings.Builder
	hasChild := []bool{}
	item := -1
	itemDepth := -1
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if d.root == "" {
				return nil, fmt.Errorf("%w: XML: %v", ErrCorrupt, err)
			}
			break // keep what was read before the damage
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if d.root == "" {
				d.root, d.space = t.Name.Local, t.Name.Space
			}
			if len(hasChild) > 0 {
				hasChild[len(hasChild)-1] = true
			}
			stack = append(stack, t.Name.Local)
			hasChild = append(hasChild, false)
			text.Reset()
			for _, n := range itemNames {
				if t.Name.Local == n {
					d.items = append(d.items, map[string]string{})
					item, itemDepth = len(d.items)-1, len(stack)
				}
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			name := stack[len(stack)-1]
			if !hasChild[len(hasChild)-1] {
				v := clean(text.String())
				d.leaves++
				if v != "" {
					if item >= 0 && len(stack) > itemDepth {
						if _, ok := d.items[item][name]; !ok {
							d.items[item][name] = v
						}
					} else {
						if _, ok := d.first[name]; !ok {
							d.first[name] = v
						}
						if len(stack) >= 2 {
							k := stack[len(stack)-2] + "/" + name
							if _, ok := d.first[k]; !ok {
								d.first[k] = v
							}
						}
					}
				}
			}
			if len(stack) == itemDepth {
				item, itemDepth = -1, -1
			}
			stack = stack[:len(stack)-1]
			hasChild = hasChild[:len(hasChild)-1]
			text.Reset()
		}
	}
	if d.root == "" {
		return nil, fmt.Errorf("%w: XML without a root element", ErrCorrupt)
	}
	return d, nil
}

func (d *xmlDoc) get(keys ...string) string {
	for _, k := range keys {
		if v := d.first[k]; v != "" {
			return v
		}
	}
	return ""
}

// parseXML reads a stand-alone XML file: 数电 EInvoice, legacy eInvoice or
// the legacy XBRL (inv) form.
func parseXML(data []byte) (*Result, error) {
	d, err := scanXML(data, "IssuItemInformation", "GoodsInfo", "InformationOfTaxableGoodsOrServicesDetailItemsTuple")
	if err != nil {
		return nil, err
	}
	r := &Result{}
	switch {
	case d.root == "EInvoice":
		r.Format = FormatDigitalXML
		applyDigitalXML(r, d, "xml")
	case strings.EqualFold(d.root, "eInvoice") || strings.EqualFold(d.root, "e-invoice"):
		r.Format = FormatLegacyXML
		applyLegacyXML(r, d, "xml")
	case d.root == "xbrl":
		if d.get("NumberOfInvoice") == "" {
			return nil, fmt.Errorf("%w: an XBRL accounting file, not an invoice", ErrNoInvoice)
		}
		r.Format = FormatLegacyXML
		applyXBRL(r, d, "xml")
	default:
		return nil, fmt.Errorf("%w: XML root <%s> is not an invoice", ErrUnknownFormat, d.root)
	}
	return r, nil
}

// applyDigitalXML maps a 数电 EInvoice (einvoice-formats.md §1).
func applyDigitalXML(r *Result, d *xmlDoc, src string) {
	s := r.from(src)
	number := d.get("TaxSupervisionInfo/InvoiceNumber", "Header/EIid")
	if len(number) == 20 && allDigits(number) {
		s.digitalID(number)
	} else if number != "" {
		s.legacyID("", number) // unexpected shape: kept, reviewed
	}
	switch code := d.get("GeneralOrSpecialVAT/LabelCode"); code {
	case "01":
		s.kind(code, domain.KindDigitalSpecial)
	case "02":
		s.kind(code, domain.KindDigitalNormal)
	}
	if r.Kind == "" {
		if n := d.get("GeneralOrSpecialVAT/LabelName"); n != "" {
			s.kind(d.get("GeneralOrSpecialVAT/LabelCode"), domain.KindOf("电子发票（"+n+"）", r.ID))
		}
	}
	s.date(d.get("TaxSupervisionInfo/IssueTime", "BasicInformation/IssueTime"))
	s.date(d.get("BasicInformation/RequestTime"))
	s.money(FieldTotal, &r.Total, d.get("BasicInformation/TotalTax-includedAmount"))
	s.money(FieldWithoutTax, &r.WithoutTax, d.get("BasicInformation/TotalAmWithoutTax"))
	s.money(FieldTax, &r.Tax, d.get("BasicInformation/TotalTaxAm"))
	s.str(FieldBuyerName, &r.Buyer.Name, d.get("BuyerInformation/BuyerName"))
	s.str(FieldBuyerTaxID, &r.Buyer.TaxID, d.get("BuyerInformation/BuyerIdNum"))
	s.str(FieldSellerName, &r.Seller.Name, d.get("SellerInformation/SellerName"))
	s.str(FieldSellerTaxID, &r.Seller.TaxID, d.get("SellerInformation/SellerIdNum"))
	r.Note = d.get("AdditionalInformation/Remark", "Remark")
	for _, it := range d.items {
		l := Line{Name: it["ItemName"], Spec: it["SpecMod"], Unit: it["MeaUnits"], Quantity: it["Quantity"],
			UnitPrice: it["UnPrice"], TaxRate: it["TaxRate"]}
		l.Amount = optMoney(it["Amount"])
		l.Tax, l.TaxExempt = optTax(it["ComTaxAm"])
		r.Lines = append(r.Lines, l)
	}
	if len(r.Lines) > 0 {
		s.mark(FieldLines)
	}
	if strings.EqualFold(d.get("InIssuType/LabelCode"), "N") {
		r.markRed("InIssuType=N")
	}
	cn := d.get("BasicInformation/TotalTax-includedAmountInChinese")
	if strings.HasPrefix(cn, "（负数）") || strings.HasPrefix(cn, "(负数)") {
		r.markRed("（负数）")
	}
	if orig := d.get("RedEInvoice/OriginalInvoiceNumber", "RedEInvoice/OriginalInvoiceCode", "RedEInvoice/OriginalEInvoiceNumber"); orig != "" {
		r.markRed("RedEInvoice")
		r.OriginalNumber = orig
	}
}

// applyLegacyXML maps a legacy eInvoice (OFD attachment form, §2.2).
func applyLegacyXML(r *Result, d *xmlDoc, src string) {
	// The GraphCode is the QR text (or, from one issuer, a base64 PNG).
	if gc := d.get("GraphCode"); gc != "" {
		if !r.applyQR(src+"#GraphCode", gc) && len(gc) > 100 {
			if text, err := decodeQR(decodeBase64(gc)); err == nil {
				r.applyQR(src+"#GraphCode(png)", text)
			}
		}
	}
	s := r.from(src)
	// The attachment is more reliable than its own GraphCode: take its
	// identity first, then let the QR fill the rest.
	if code, no := d.get("InvoiceCode"), d.get("InvoiceNo"); no != "" && (r.ID.Number != no || r.ID.Code != code) {
		r.ID = domain.BusinessID{}
		s.legacyID(code, no)
	} else if no != "" {
		s.mark(FieldNumber)
		if code != "" {
			s.mark(FieldCode)
		}
	}
	s.dateOverride(d.get("IssueDate"))
	s.str(FieldBuyerName, &r.Buyer.Name, d.get("Buyer/BuyerName", "BuyerName"))
	s.str(FieldBuyerTaxID, &r.Buyer.TaxID, d.get("Buyer/BuyerTaxID", "BuyerTaxID"))
	s.str(FieldSellerName, &r.Seller.Name, d.get("Seller/SellerName", "SellerName"))
	s.str(FieldSellerTaxID, &r.Seller.TaxID, d.get("Seller/SellerTaxID", "SellerTaxID"))
	s.money(FieldTotal, &r.Total, d.get("TaxInclusiveTotalAmount"))
	s.moneyOverride(FieldWithoutTax, &r.WithoutTax, d.get("TaxExclusiveTotalAmount"))
	s.money(FieldTax, &r.Tax, d.get("TaxTotalAmount"))
	if cc := strings.Join(strings.Fields(d.get("InvoiceCheckCode")), ""); cc != "" {
		r.CheckCode = cc
		s.mark(FieldCheckCode)
	}
	r.Note = d.get("Note")
	for _, it := range d.items {
		l := Line{Name: it["Item"], Spec: it["Specification"], Unit: it["MeasurementDimension"],
			Quantity: it["Quantity"], UnitPrice: it["Price"], TaxRate: it["TaxScheme"]}
		l.Amount = optMoney(it["Amount"])
		l.Tax, l.TaxExempt = optTax(it["TaxAmount"])
		r.Lines = append(r.Lines, l)
	}
	if len(r.Lines) > 0 {
		s.mark(FieldLines)
	}
}

// applyXBRL maps the legacy XBRL instance (inv taxonomy 2021-09-30).
// UniqueCodeOfInvoice is code+number glued: never used as a number.
func applyXBRL(r *Result, d *xmlDoc, src string) {
	s := r.from(src)
	s.legacyID(d.get("CodeOfInvoice"), d.get("NumberOfInvoice"))
	if t := d.get("TypeOfInvoice"); t != "" {
		r.Title = t
		s.kind("", domain.KindOf(t, r.ID))
	}
	s.date(d.get("DateOfIssue"))
	s.money(FieldTotal, &r.Total, d.get("TaxIncludedAmountInFigures"))
	s.money(FieldWithoutTax, &r.WithoutTax, d.get("TotalAmountExcludingTax"))
	s.money(FieldTax, &r.Tax, d.get("TotalTaxAmount"))
	s.str(FieldBuyerName, &r.Buyer.Name, d.get("NameOfPurchaser"))
	s.str(FieldBuyerTaxID, &r.Buyer.TaxID, d.get("TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfPurchaser"))
	s.str(FieldSellerName, &r.Seller.Name, d.get("NameOfSeller"))
	s.str(FieldSellerTaxID, &r.Seller.TaxID, d.get("TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfSeller"))
	s.checkCode(d.get("IdentifyingCode"))
	r.Note = d.get("Remarks")
	for _, it := range d.items {
		l := Line{Name: it["NameOfTaxableGoodsOrServices"], Spec: it["Specification"], Unit: it["UnitOfGoodsOrServices"],
			Quantity: it["QuantityOfGoodsOrServices"], UnitPrice: it["UnitPriceOfGoodsOrServices"], TaxRate: it["TaxRate"]}
		l.Amount = optMoney(it["AmountExcludingTax"])
		l.Tax, l.TaxExempt = optTax(it["TaxAmount"])
		r.Lines = append(r.Lines, l)
	}
	if len(r.Lines) > 0 {
		s.mark(FieldLines)
	}
}

// dateOverride sets the date from a more reliable source than one already applied.
func (s setter) dateOverride(v string) {
	if d, ok := parseDate(v); ok {
		s.r.IssuedOn = d
		s.mark(FieldIssuedOn)
	}
}

func (s setter) moneyOverride(field string, dst **domain.Money, v string) {
	if m, ok := parseMoney(v); ok {
		*dst = &m
		s.mark(field)
		return
	}
	s.money(field, dst, v)
}

func optMoney(v string) *domain.Money {
	if m, ok := parseMoney(v); ok {
		return &m
	}
	return nil
}

func optTax(v string) (*domain.Money, bool) {
	if isExempt(v) {
		z := domain.Zero
		return &z, true
	}
	return optMoney(v), false
}
