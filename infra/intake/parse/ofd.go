package parse

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/baoxiao/baoxiao/domain"
)

// zipEntries are a ZIP's files keyed by the cleaned, lower-cased entry name
// (OFD path case varies), in archive order. Entry names are only ever map
// keys and display text, never file system paths.
type zipEntries struct {
	files map[string][]byte
	order []string
	names map[string]string // key → cleaned name as written
}

func zipFiles(data []byte, maxEntries int, maxExpanded int64) (*zipEntries, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: ZIP: %v", ErrCorrupt, err)
	}
	if len(zr.File) > maxEntries {
		return nil, fmt.Errorf("%w: %d entries (at most %d)", ErrBundleLimit, len(zr.File), maxEntries)
	}
	z := &zipEntries{files: map[string][]byte{}, names: map[string]string{}}
	var total int64
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%w: ZIP entry %q: %v", ErrCorrupt, f.Name, err)
		}
		// Never trust the header's size: read at most what is left + 1.
		b, err := io.ReadAll(io.LimitReader(rc, maxExpanded-total+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%w: ZIP entry %q: %v", ErrCorrupt, f.Name, err)
		}
		total += int64(len(b))
		if total > maxExpanded {
			return nil, fmt.Errorf("%w: more than %d MiB expanded", ErrBundleLimit, maxExpanded>>20)
		}
		name := strings.TrimPrefix(path.Clean("/"+strings.ReplaceAll(f.Name, `\`, "/")), "/")
		key := strings.ToLower(name)
		if _, dup := z.files[key]; !dup {
			z.order = append(z.order, key)
			z.names[key] = name
		}
		z.files[key] = b
	}
	return z, nil
}

func isOFD(data []byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return false
	}
	for _, f := range zr.File {
		if strings.EqualFold(strings.TrimPrefix(f.Name, "/"), "OFD.xml") {
			return true
		}
	}
	return false
}

var (
	customDataRe = regexp.MustCompile(`(?s)<(?:\w+:)?CustomData\s+Name="([^"]*)"\s*>(.*?)</(?:\w+:)?CustomData>`)
	textObjRe    = regexp.MustCompile(`(?s)<(?:\w+:)?TextObject\b[^>]*?\bID="(\d+)"[^>]*>(.*?)</(?:\w+:)?TextObject>`)
	textCodeRe   = regexp.MustCompile(`(?s)<(?:\w+:)?TextCode\b[^>]*>(.*?)</(?:\w+:)?TextCode>`)
	// A tag element holding object refs or literals: <ofd:InvoiceNo><ofd:ObjectRef …>6922</ofd:ObjectRef></ofd:InvoiceNo>
	tagRe    = regexp.MustCompile(`(?s)<(?:[\w.-]*:)?([A-Za-z][\w-]*)\b[^>/]*>((?:\s*<(?:[\w.-]*:)?Object(?:Ref|Data)\b[^>]*>[^<]*</(?:[\w.-]*:)?Object(?:Ref|Data)>)+)`)
	tagRefRe = regexp.MustCompile(`<(?:[\w.-]*:)?Object(Ref|Data)\b[^>]*>([^<]*)<`)
	cdataRe  = regexp.MustCompile(`(?s)<!\[CDATA\[(.*?)\]\]>`)
)

// xmlText unescapes an element's text and unwraps CDATA.
func xmlText(s string) string {
	if m := cdataRe.FindStringSubmatch(s); m != nil {
		return clean(m[1])
	}
	return clean(html.UnescapeString(s))
}

// parseOFD reads an OFD in the reliability order of einvoice-formats.md:
// attachment XML > QR image > tag index > CustomDatas.
func parseOFD(data []byte) (*Result, error) {
	z, err := zipFiles(data, maxOFDEntries, MaxBundleExpanded)
	if err != nil {
		return nil, err
	}
	files, order := z.files, z.order
	r := &Result{Format: FormatOFD}
	ofdXML := files["ofd.xml"]
	if ofdXML == nil {
		return nil, fmt.Errorf("%w: OFD without OFD.xml", ErrCorrupt)
	}

	// 1. Attachments: the legacy eInvoice or its XBRL variant.
	for _, name := range order {
		if !strings.Contains(name, "/attachs/") || !strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, "/attachments.xml") {
			continue
		}
		d, err := scanXML(files[name], "GoodsInfo", "InformationOfTaxableGoodsOrServicesDetailItemsTuple", "IssuItemInformation")
		if err != nil {
			continue
		}
		src := "ofd:" + z.names[name]
		switch {
		case d.root == "EInvoice":
			applyDigitalXML(r, d, src)
		case strings.EqualFold(d.root, "eInvoice") || strings.EqualFold(d.root, "e-invoice"):
			applyLegacyXML(r, d, src)
		case d.root == "xbrl" && d.get("NumberOfInvoice") != "":
			applyXBRL(r, d, src)
		}
	}

	// Page and template text, for the title and the tag index.
	texts := map[string]string{}
	var title string
	for _, name := range order {
		if !strings.HasSuffix(name, "/content.xml") || !(strings.Contains(name, "/pages/") || strings.Contains(name, "/tpls/")) {
			continue
		}
		for _, m := range textObjRe.FindAllStringSubmatch(string(files[name]), -1) {
			var sb strings.Builder
			for _, c := range textCodeRe.FindAllStringSubmatch(m[2], -1) {
				sb.WriteString(xmlText(c[1]))
			}
			t := sb.String()
			if _, ok := texts[m[1]]; !ok {
				texts[m[1]] = t
			}
			if title == "" && (strings.HasPrefix(t, "电子发票（") || strings.HasSuffix(t, "发票") && strings.Contains(t, "增值税")) {
				title = t
			}
		}
	}
	if title != "" {
		r.Title = title
	}

	// 2. The QR image, when the attachment did not give one.
	if r.QR == "" {
		for _, name := range order {
			if !strings.Contains(name, "/res/") || !(strings.HasSuffix(name, ".png") || strings.HasSuffix(name, ".jpg") || strings.HasSuffix(name, ".jpeg")) {
				continue
			}
			if len(files[name]) > 2<<20 {
				continue
			}
			if text, err := decodeQR(files[name]); err == nil && r.applyQR("ofd:"+z.names[name]+" (QR)", text) {
				break
			}
		}
	}

	// 3. The tag index.
	for _, name := range order {
		if !strings.Contains(name, "/tags/") || strings.HasSuffix(name, "/customtags.xml") || !strings.HasSuffix(name, ".xml") {
			continue
		}
		tags := map[string]string{}
		for _, m := range tagRe.FindAllStringSubmatch(string(files[name]), -1) {
			var sb strings.Builder
			for _, ref := range tagRefRe.FindAllStringSubmatch(m[2], -1) {
				if ref[1] == "Data" {
					sb.WriteString(xmlText(ref[2]))
				} else {
					sb.WriteString(texts[clean(ref[2])])
				}
			}
			if _, ok := tags[m[1]]; !ok && clean(sb.String()) != "" {
				tags[m[1]] = clean(sb.String())
			}
		}
		if len(tags) > 0 {
			applyOFDTags(r, tags, "ofd:"+z.names[name])
		}
	}

	// 4. CustomDatas in OFD.xml (Chinese keys): a hint that fills gaps.
	cd := map[string]string{}
	for _, m := range customDataRe.FindAllStringSubmatch(string(ofdXML), -1) {
		cd[clean(m[1])] = xmlText(m[2])
	}
	if len(cd) > 0 {
		applyCustomDatas(r, cd, "ofd:OFD.xml CustomDatas")
	}
	if r.Kind == "" && title != "" {
		r.from("ofd:title").kind("", domain.KindOf(title, r.ID))
	}
	return r, nil
}

// digitalLayout says whether what we know of the file says 数电: the QR
// kind, the title, or the swdomsdk producer.
func digitalLayout(r *Result, hint string) bool {
	return r.Digital || strings.HasPrefix(r.Title, "电子发票（") || hint == "swdomsdk"
}

func applyOFDTags(r *Result, t map[string]string, src string) {
	s := r.from(src)
	no := t["InvoiceNo"]
	if no == "" {
		no = t["InvoiceNumber"]
	}
	if len(no) == 20 && allDigits(no) {
		if digitalLayout(r, "") && t["InvoiceCode"] == "" {
			s.digitalID(no)
		}
	} else {
		s.legacyID(t["InvoiceCode"], no)
	}
	s.date(t["IssueDate"])
	if t["IssueDate"] == "" {
		s.date(t["IssueTime"])
	}
	s.str(FieldBuyerName, &r.Buyer.Name, t["BuyerName"])
	s.str(FieldBuyerTaxID, &r.Buyer.TaxID, t["BuyerTaxID"])
	s.str(FieldSellerName, &r.Seller.Name, t["SellerName"])
	s.str(FieldSellerTaxID, &r.Seller.TaxID, t["SellerTaxID"])
	s.money(FieldTotal, &r.Total, t["TaxInclusiveTotalAmount"])
	s.money(FieldWithoutTax, &r.WithoutTax, t["TaxExclusiveTotalAmount"])
	s.money(FieldTax, &r.Tax, t["TaxTotalAmount"])
	s.checkCode(t["InvoiceCheckCode"])
}

// applyCustomDatas maps OFD.xml CustomDatas. 合计金额 is WITHOUT tax.
func applyCustomDatas(r *Result, cd map[string]string, src string) {
	s := r.from(src)
	no := cd["发票号码"]
	if len(no) == 20 && allDigits(no) {
		if digitalLayout(r, cd["native-producer"]) && cd["发票代码"] == "" {
			s.digitalID(no)
		}
	} else {
		s.legacyID(cd["发票代码"], no)
	}
	s.date(cd["开票日期"])
	s.money(FieldTotal, &r.Total, cd["价税合计"])
	s.money(FieldWithoutTax, &r.WithoutTax, cd["合计金额"])
	s.money(FieldTax, &r.Tax, cd["合计税额"])
	s.str(FieldBuyerName, &r.Buyer.Name, cd["购买方名称"])
	s.str(FieldBuyerTaxID, &r.Buyer.TaxID, cd["购买方纳税人识别号"])
	s.str(FieldSellerName, &r.Seller.Name, cd["销售方名称"])
	s.str(FieldSellerTaxID, &r.Seller.TaxID, cd["销售方纳税人识别号"])
	s.checkCode(cd["校验码"])
	if t := cd["模板编号"]; t != "" && r.Title == "" && strings.Contains(t, "发票") {
		r.Title = t
	}
	if strings.Contains(cd["开票类型"], "红字") {
		r.markRed("开票类型=红字")
	}
}

func decodeBase64(s string) []byte {
	s = strings.Join(strings.Fields(s), "")
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}

// parseBundle reads each entry of a ZIP bundle (DECISIONS 38): at most 200
// entries and 50 MiB expanded, no nested ZIPs (an OFD is not a bundle).
func parseBundle(name string, data []byte) ([]Result, error) {
	z, err := zipFiles(data, MaxBundleEntries, MaxBundleExpanded)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	files, order := z.files, z.order
	var out []Result
	for _, key := range order {
		base := path.Base(key)
		if strings.HasPrefix(key, "__macosx/") || strings.HasPrefix(base, ".") {
			continue
		}
		b := files[key]
		display := name + "/" + z.names[key]
		var r *Result
		var err error
		switch {
		case isZip(b) && isOFD(b):
			r, err = parseOFD(b)
		case isZip(b):
			err = ErrNestedZip
		case len(bytes.TrimSpace(b)) == 0:
			err = ErrEmpty
		default:
			r, err = parseOne(b)
		}
		if err != nil {
			out = append(out, Result{Name: display, Data: b, Err: fmt.Errorf("%s: %w", display, err)})
			continue
		}
		r.Data = b
		out = append(out, finish(display, r))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w: empty ZIP", name, ErrNoInvoice)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
