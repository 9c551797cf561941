// Package parse reads Chinese e-invoice files — 数电 XML, the legacy
// eInvoice XML, OFD, PDF, a bare QR image and ZIP bundles of these — into
// Results. It has no database and no HTTP: intake paths (upload, mailbox,
// ERP, archive) call Parse and decide what to do with each Result.
//
// Nothing is guessed: a field that no trusted source in the file gives is
// left empty and named in Result.NeedsReview. Format notes:
// ../shared/research/einvoice-formats.md.
package parse

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// Format is the kind of file (or bundle entry) a Result was read from.
type Format string

// The formats Parse recognises by content.
const (
	FormatDigitalXML Format = "xml_digital" // 数电 XML, root EInvoice
	FormatLegacyXML  Format = "xml_legacy"  // eInvoice (GB/T 36609 style) or the XBRL inv form
	FormatOFD        Format = "ofd"
	FormatPDF        Format = "pdf"
	FormatImage      Format = "image" // a bare QR image (PNG/JPEG)
)

// Field names used in Result.Sources and Result.NeedsReview.
const (
	FieldCode        = "code"
	FieldNumber      = "number"
	FieldKind        = "kind"
	FieldIssuedOn    = "issued_on"
	FieldTotal       = "total"       // 价税合计, with tax
	FieldWithoutTax  = "without_tax" // 合计金额, without tax
	FieldTax         = "tax"         // 合计税额
	FieldBuyerName   = "buyer.name"
	FieldBuyerTaxID  = "buyer.tax_id"
	FieldSellerName  = "seller.name"
	FieldSellerTaxID = "seller.tax_id"
	FieldCheckCode   = "check_code"
	FieldLines       = "lines"
	FieldRed         = "red"
)

// Errors. Every error Parse returns wraps one of them, with the reason.
var (
	ErrEmpty         = errors.New("empty file")
	ErrUnknownFormat = errors.New("not an invoice file (XML, OFD, PDF, PNG, JPEG or ZIP)")
	ErrCorrupt       = errors.New("file is damaged")
	ErrNoInvoice     = errors.New("no invoice data found")
	ErrBundleLimit   = errors.New("ZIP bundle over its limits")
	ErrNestedZip     = errors.New("nested ZIP archives are not accepted")
)

// Limits for ZIP bundles (DECISIONS 38) and for the ZIP inside an OFD.
const (
	MaxBundleEntries  = 200
	MaxBundleExpanded = 50 << 20
	maxOFDEntries     = 2000
	maxPDFPages       = 3 // the QR is on the first page; later pages are lists (清单)
)

// Result is one invoice read from a file.
type Result struct {
	Name   string // the file name, or the entry name inside a bundle (display only)
	Format Format
	Data   []byte // the bytes read: the file, or the bundle entry (the original to keep)
	Err    error  // set only on bundle entries that could not be read

	ID      domain.BusinessID // code empty and 20-digit number for 数电
	Digital bool              // the layout or QR kind says 数电
	Kind    domain.InvoiceKind
	RawKind string // QR kind code ("10", "31") or GeneralOrSpecialVAT LabelCode ("01"), as found
	Title   string // printed kind text, where the file has it

	IssuedOn time.Time // date only, UTC midnight; zero when unknown

	// Amounts with their meaning: nil when the file does not give it.
	Total      *domain.Money // 价税合计, including tax
	WithoutTax *domain.Money // 合计金额, excluding tax
	Tax        *domain.Money // 合计税额; 0.00 and TaxExempt when printed ***
	TaxExempt  bool

	Buyer     Party
	Seller    Party
	CheckCode string // 校验码, spaces removed; 数电 invoices have none
	QR        string // the QR text as decoded or as stored, raw
	Lines     []Line
	Note      string

	Red            bool     // a red (负数) invoice
	RedMarks       []string // what said so: "negative_total", "InIssuType=N", "（负数）", "RedEInvoice"
	OriginalNumber string   // 红冲: the blue invoice the red one cancels, where given

	Sources     map[string]string // field → where in the file it came from
	NeedsReview []string          // fields that could not be read
}

// Party is a buyer or seller as the file names it.
type Party struct {
	Name  string
	TaxID string
}

// Line is an item line (明细). Amount and Tax are without/of tax as printed;
// discount lines have a negative Amount and often no Quantity or UnitPrice.
type Line struct {
	Name      string
	Spec      string
	Unit      string
	Quantity  string // decimal text as printed
	UnitPrice string // decimal text as printed (may have more than two decimals)
	Amount    *domain.Money
	TaxRate   string // as printed: "6%", "0.060000", "免税"
	Tax       *domain.Money
	TaxExempt bool
}

// Parse detects the format of data by its content and reads the invoices in
// it: one Result for an invoice file, one per entry for a ZIP bundle (an
// entry that cannot be read has Err set). name is used for display only.
// Callers bound len(data) (DECISIONS 38: 10 MiB per file); Parse bounds
// what a ZIP expands to and the size of decoded images.
func Parse(name string, data []byte) ([]Result, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: %w", name, ErrEmpty)
	}
	if isZip(data) {
		if isOFD(data) {
			r, err := parseOFD(data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			r.Data = data
			return []Result{finish(name, r)}, nil
		}
		return parseBundle(name, data)
	}
	r, err := parseOne(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	r.Data = data
	return []Result{finish(name, r)}, nil
}

// parseOne reads a single non-ZIP file.
func parseOne(data []byte) (*Result, error) {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")) || bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")):
		return parsePDF(data)
	case isImage(data):
		return parseImage(data)
	case looksXML(data):
		return parseXML(data)
	}
	return nil, ErrUnknownFormat
}

func isZip(b []byte) bool { return bytes.HasPrefix(b, []byte("PK\x03\x04")) }

func isImage(b []byte) bool {
	return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF})
}

func looksXML(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '<'
}

// finish fills the derived fields and the needs-review list.
func finish(name string, r *Result) Result {
	r.Name = name
	if r.Sources == nil {
		r.Sources = map[string]string{}
	}
	if r.Kind == "" {
		r.Kind = domain.KindOther
	}
	// A total missing but both parts known is their sum (and the other way
	// round): arithmetic, not a guess. Recorded as derived.
	switch {
	case r.Total == nil && r.WithoutTax != nil && r.Tax != nil:
		t := r.WithoutTax.Add(*r.Tax)
		r.Total = &t
		r.Sources[FieldTotal] = "derived: without_tax + tax"
	case r.Tax == nil && r.Total != nil && r.WithoutTax != nil:
		t := r.Total.Sub(*r.WithoutTax)
		r.Tax = &t
		r.Sources[FieldTax] = "derived: total - without_tax"
	case r.WithoutTax == nil && r.Total != nil && r.Tax != nil:
		t := r.Total.Sub(*r.Tax)
		r.WithoutTax = &t
		r.Sources[FieldWithoutTax] = "derived: total - tax"
	}
	if r.Total != nil && r.Total.IsNegative() {
		r.markRed("negative_total")
	}
	if r.Total == nil && r.WithoutTax != nil && r.WithoutTax.IsNegative() {
		r.markRed("negative_amount") // a legacy QR carries only the amount without tax
	}
	var need []string
	add := func(f string, missing bool) {
		if missing {
			need = append(need, f)
		}
	}
	add(FieldNumber, r.ID.Number == "")
	add(FieldCode, !r.Digital && r.ID.Code == "")
	add(FieldKind, r.Kind == domain.KindOther && r.RawKind == "")
	add(FieldIssuedOn, r.IssuedOn.IsZero())
	add(FieldTotal, r.Total == nil)
	add(FieldWithoutTax, r.WithoutTax == nil)
	add(FieldTax, r.Tax == nil)
	add(FieldBuyerName, r.Buyer.Name == "")
	add(FieldSellerName, r.Seller.Name == "")
	add(FieldSellerTaxID, r.Seller.TaxID == "")
	add(FieldCheckCode, !r.Digital && r.CheckCode == "")
	// An identity of an unexpected shape is kept but reviewed (DECISIONS 10).
	if r.ID.Number != "" && !shapeOK(r.ID, r.Digital) {
		need = append(need, FieldNumber)
	}
	sort.Strings(need)
	r.NeedsReview = slicesCompact(need)
	return *r
}

func slicesCompact(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func shapeOK(id domain.BusinessID, digital bool) bool {
	if digital {
		return id.Code == "" && len(id.Number) == 20 && allDigits(id.Number)
	}
	return (len(id.Code) == 10 || len(id.Code) == 12) && allDigits(id.Code) && len(id.Number) == 8 && allDigits(id.Number)
}

func (r *Result) markRed(mark string) {
	r.Red = true
	for _, m := range r.RedMarks {
		if m == mark {
			return
		}
	}
	r.RedMarks = append(r.RedMarks, mark)
	if r.Sources == nil {
		r.Sources = map[string]string{}
	}
	if _, ok := r.Sources[FieldRed]; !ok {
		r.Sources[FieldRed] = mark
	}
}

// setter fills fields in reliability order: the first source to give a
// field wins; later, less reliable sources only fill gaps.
type setter struct {
	r   *Result
	src string
}

func (r *Result) from(src string) setter {
	if r.Sources == nil {
		r.Sources = map[string]string{}
	}
	return setter{r, src}
}

func (s setter) mark(field string) { s.r.Sources[field] = s.src }

func (s setter) str(field string, dst *string, v string) {
	v = clean(v)
	if v == "" || *dst != "" {
		return
	}
	*dst = v
	s.mark(field)
}

func (s setter) money(field string, dst **domain.Money, v string) {
	if *dst != nil {
		return
	}
	if isExempt(v) {
		if field == FieldTax {
			z := domain.Zero
			*dst = &z
			s.r.TaxExempt = true
			s.mark(field)
		}
		return
	}
	m, ok := parseMoney(v)
	if !ok {
		return
	}
	*dst = &m
	s.mark(field)
}

func (s setter) date(v string) {
	if !s.r.IssuedOn.IsZero() {
		return
	}
	if d, ok := parseDate(v); ok {
		s.r.IssuedOn = d
		s.mark(FieldIssuedOn)
	}
}

func (s setter) checkCode(v string) {
	s.str(FieldCheckCode, &s.r.CheckCode, strings.Join(strings.Fields(v), ""))
}

// legacyID sets a 10/12-digit code and an 8-digit number together.
func (s setter) legacyID(code, number string) {
	code, number = clean(code), clean(number)
	if s.r.ID.Number != "" || number == "" {
		return
	}
	s.r.ID = domain.BusinessID{Code: code, Number: number}
	s.mark(FieldNumber)
	if code != "" {
		s.mark(FieldCode)
	}
}

// digitalID sets a 20-digit 数电 number; callers have the layout's or the
// QR kind's word that this is 数电.
func (s setter) digitalID(number string) {
	number = clean(number)
	if s.r.ID.Number != "" || number == "" {
		return
	}
	s.r.ID = domain.BusinessID{Number: number}
	s.r.Digital = true
	s.mark(FieldNumber)
}

func (s setter) kind(raw string, k domain.InvoiceKind) {
	if s.r.Kind != "" && s.r.Kind != domain.KindOther {
		return
	}
	if k == "" || (k == domain.KindOther && raw == "") {
		return
	}
	s.r.Kind, s.r.RawKind = k, raw
	s.mark(FieldKind)
}

var spaceRe = regexp.MustCompile(`\s+`)

// clean trims whitespace (including full-width spaces) and NBSP.
func clean(s string) string {
	s = strings.ReplaceAll(s, "\u00a0", " ")
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "\u3000"))
}

func isExempt(v string) bool {
	v = clean(v)
	return v != "" && strings.Trim(v, "*") == ""
}

// parseMoney reads "¥4,449.00", "57", "-25.71", "51.2". Never a float.
func parseMoney(v string) (domain.Money, bool) {
	v = clean(v)
	v = strings.NewReplacer("¥", "", "￥", "", ",", "", "，", "", " ", "", "CNY", "").Replace(v)
	if v == "" {
		return domain.Money{}, false
	}
	m, err := domain.ParseMoney(v)
	return m, err == nil
}

var (
	dateCN   = regexp.MustCompile(`^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日`)
	dateISO  = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]|$)`)
	dateBare = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)
)

// parseDate reads "2020年07月23日", "2023-02-23 10:08:05", "2022-09-01" and
// "20200723" as a date (UTC midnight).
func parseDate(v string) (time.Time, bool) {
	v = clean(v)
	for _, re := range []*regexp.Regexp{dateCN, dateISO, dateBare} {
		m := re.FindStringSubmatch(v)
		if m == nil {
			continue
		}
		t, err := time.Parse("2006-1-2", m[1]+"-"+m[2]+"-"+m[3])
		if err != nil {
			return time.Time{}, false
		}
		return t, true
	}
	return time.Time{}, false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
