package parse_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	qrgen "github.com/skip2/go-qrcode"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/intake/parse"
)

// All fixtures here are synthetic: invented companies, numbers and amounts.

const redDigitalXML = "\xef\xbb\xbf" + `<?xml version="1.0" encoding="UTF-8"?>
<EInvoice>
  <Header>
    <EIid>25110000000000009999</EIid>
    <InherentLabel>
      <InIssuType><LabelCode>N</LabelCode><LabelName>是否蓝字发票标志</LabelName></InIssuType>
      <GeneralOrSpecialVAT><LabelCode>02</LabelCode><LabelName>普通发票</LabelName></GeneralOrSpecialVAT>
    </InherentLabel>
  </Header>
  <EInvoiceData>
    <SellerInformation><SellerIdNum>11010119800101123456</SellerIdNum><SellerName>测试个体工商户</SellerName></SellerInformation>
    <BuyerInformation><BuyerIdNum>91110000TEST00001X</BuyerIdNum><BuyerName>测试买方有限公司</BuyerName></BuyerInformation>
    <BasicInformation>
      <TotalAmWithoutTax>-90.00</TotalAmWithoutTax>
      <TotalTaxAm>0.00</TotalTaxAm>
      <TotalTax-includedAmount>-90.00</TotalTax-includedAmount>
      <TotalTax-includedAmountInChinese>（负数）玖拾圆整</TotalTax-includedAmountInChinese>
      <RequestTime>2025-03-02</RequestTime>
    </BasicInformation>
    <IssuItemInformation>
      <ItemName>*图书*测试书</ItemName><Quantity>-1</Quantity><UnPrice>100</UnPrice>
      <Amount>-100.00</Amount><TaxRate>免税</TaxRate><ComTaxAm>***</ComTaxAm>
      <TotaltaxIncludedAmount>-100.00</TotaltaxIncludedAmount>
    </IssuItemInformation>
    <IssuItemInformation>
      <ItemName>*图书*测试书</ItemName><Amount>10.00</Amount><TaxRate>免税</TaxRate><ComTaxAm>***</ComTaxAm>
    </IssuItemInformation>
    <SpecificInformation><RedEInvoice><OriginalInvoiceNumber>25110000000000001234</OriginalInvoiceNumber></RedEInvoice></SpecificInformation>
  </EInvoiceData>
  <TaxSupervisionInfo><InvoiceNumber>25110000000000009999</InvoiceNumber><IssueTime>2025-03-01 09:30:00</IssueTime></TaxSupervisionInfo>
</EInvoice>`

func parseOne(t *testing.T, name string, data []byte) parse.Result {
	t.Helper()
	rs, err := parse.Parse(name, data)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	if len(rs) != 1 {
		t.Fatalf("Parse(%s): %d results", name, len(rs))
	}
	return rs[0]
}

func TestRedDigitalXML(t *testing.T) {
	r := parseOne(t, "red.xml", []byte(redDigitalXML))
	if r.Format != parse.FormatDigitalXML || !r.Digital || r.ID != (domain.BusinessID{Number: "25110000000000009999"}) {
		t.Fatalf("identity: %+v %v %v", r.ID, r.Format, r.Digital)
	}
	if r.Kind != domain.KindDigitalNormal || r.RawKind != "02" {
		t.Errorf("kind %s/%s", r.Kind, r.RawKind)
	}
	if got := r.IssuedOn.Format("2006-01-02"); got != "2025-03-01" {
		t.Errorf("date %s: IssueTime wins over RequestTime", got)
	}
	if !r.Red || r.OriginalNumber != "25110000000000001234" {
		t.Errorf("red %v original %q", r.Red, r.OriginalNumber)
	}
	for _, m := range []string{"InIssuType=N", "（负数）", "RedEInvoice", "negative_total"} {
		if !slices.Contains(r.RedMarks, m) {
			t.Errorf("red marks %v lack %s", r.RedMarks, m)
		}
	}
	if r.Total.String() != "-90.00" || r.WithoutTax.String() != "-90.00" || r.Tax.String() != "0.00" {
		t.Errorf("amounts %v %v %v", r.Total, r.WithoutTax, r.Tax)
	}
	if r.Seller.TaxID != "11010119800101123456" || len(r.Seller.TaxID) != 20 {
		t.Errorf("20-character tax id: %q", r.Seller.TaxID)
	}
	if len(r.Lines) != 2 || !r.Lines[0].Amount.IsNegative() || !r.Lines[0].TaxExempt || !r.Lines[0].Tax.IsZero() || r.Lines[0].TaxRate != "免税" {
		t.Errorf("lines %+v", r.Lines)
	}
	if len(r.NeedsReview) != 0 {
		t.Errorf("needs review %v", r.NeedsReview)
	}
	if r.Sources[parse.FieldTotal] != "xml" || r.Sources[parse.FieldRed] == "" {
		t.Errorf("sources %v", r.Sources)
	}
}

const legacyXML = "\xef\xbb\xbf" + `<?xml version="1.0" encoding="UTF-8"?>
<fp:eInvoice xmlns:fp="http://www.edrm.org.cn/schema/e-invoice/2019">
 <fp:InvoiceCode><![CDATA[ 011001900111 ]]></fp:InvoiceCode>
 <fp:InvoiceNo>00000042</fp:InvoiceNo>
 <fp:IssueDate>2021年3月5日</fp:IssueDate>
 <fp:InvoiceCheckCode>12345 67890 12345 67890</fp:InvoiceCheckCode>
 <fp:Buyer><fp:BuyerName>测试买方</fp:BuyerName><fp:BuyerTaxID>91110000TEST00001X</fp:BuyerTaxID></fp:Buyer>
 <fp:Seller><fp:SellerName>测试餐厅</fp:SellerName><fp:SellerTaxID>91110000TEST00002Y</fp:SellerTaxID></fp:Seller>
 <fp:TaxInclusiveTotalAmount>88.00</fp:TaxInclusiveTotalAmount>
 <fp:TaxExclusiveTotalAmount>88.00</fp:TaxExclusiveTotalAmount>
 <fp:TaxTotalAmount>***</fp:TaxTotalAmount>
 <fp:GraphCode>01,10,011001900111,00000042,88,20210305,12345678901234567890,ABCD,</fp:GraphCode>
 <fp:GoodsInfos>
  <fp:GoodsInfo><fp:Item>*餐饮服务*餐费</fp:Item><fp:Amount>100.00</fp:Amount><fp:TaxScheme>免税</fp:TaxScheme><fp:TaxAmount>***</fp:TaxAmount></fp:GoodsInfo>
  <fp:GoodsInfo><fp:Item>*餐饮服务*餐费</fp:Item><fp:Amount>-12.00</fp:Amount><fp:TaxScheme>免税</fp:TaxScheme><fp:TaxAmount>***</fp:TaxAmount></fp:GoodsInfo>
 </fp:GoodsInfos>
</fp:eInvoice>`

func TestLegacyXMLExemptAndDiscount(t *testing.T) {
	r := parseOne(t, "inv.xml", []byte(legacyXML))
	if r.Format != parse.FormatLegacyXML || r.Digital || r.ID != (domain.BusinessID{Code: "011001900111", Number: "00000042"}) {
		t.Fatalf("identity %+v", r.ID)
	}
	if r.Kind != domain.KindVATENormal || r.RawKind != "10" {
		t.Errorf("kind %s/%s", r.Kind, r.RawKind)
	}
	if r.IssuedOn.Format("2006-01-02") != "2021-03-05" || r.CheckCode != "12345678901234567890" {
		t.Errorf("date %v check %q", r.IssuedOn, r.CheckCode)
	}
	if !r.TaxExempt || r.Tax.String() != "0.00" || r.Total.String() != "88.00" || r.WithoutTax.String() != "88.00" {
		t.Errorf("exempt %v tax %v total %v without %v", r.TaxExempt, r.Tax, r.Total, r.WithoutTax)
	}
	if len(r.Lines) != 2 || r.Lines[1].Amount.String() != "-12.00" || !r.Lines[1].TaxExempt {
		t.Errorf("lines %+v", r.Lines)
	}
	if r.Red {
		t.Error("a discount line does not make a red invoice")
	}
	if len(r.NeedsReview) != 0 {
		t.Errorf("needs review %v", r.NeedsReview)
	}
}

func qrPNG(t *testing.T, text string) []byte {
	t.Helper()
	b, err := qrgen.Encode(text, qrgen.Medium, 256)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tinyQRPNG draws a QR at one pixel per module with no quiet zone, like the
// 37×37 JPEG in a real legacy PDF.
func tinyQRPNG(t *testing.T, text string) []byte {
	t.Helper()
	q, err := qrgen.New(text, qrgen.Medium)
	if err != nil {
		t.Fatal(err)
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	img := image.NewGray(image.Rect(0, 0, len(bm), len(bm)))
	for y, row := range bm {
		for x, black := range row {
			if !black {
				img.SetGray(x, y, color.Gray{Y: 255})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestQRImages(t *testing.T) {
	tests := []struct {
		name, qr                  string
		img                       func(*testing.T, string) []byte
		id                        domain.BusinessID
		digital                   bool
		kind                      domain.InvoiceKind
		total, withoutTax, review string
	}{
		{"digital normal: amount is the total", "01,32,,25420000000000000001,220.00,20250108,,b517", qrPNG,
			domain.BusinessID{Number: "25420000000000000001"}, true, domain.KindDigitalNormal, "220.00", "", "buyer.name,seller.name,seller.tax_id,tax,without_tax"},
		{"legacy kind 10: amount is without tax", "01,10,042002200411,00000001,176.99,20230326,12345678901234567890,3D56,", tinyQRPNG,
			domain.BusinessID{Code: "042002200411", Number: "00000001"}, false, domain.KindVATENormal, "", "176.99", "buyer.name,seller.name,seller.tax_id,tax,total"},
		{"unknown kind with 20 digits: kept whole, not 数电, reviewed", "01,51,,03702170021127209635,10.00,20250101,,abcd", qrPNG,
			domain.BusinessID{Number: "03702170021127209635"}, false, domain.KindOther, "", "", "buyer.name,check_code,code,number,seller.name,seller.tax_id,tax,total,without_tax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := parseOne(t, "qr.png", tt.img(t, tt.qr))
			if r.Format != parse.FormatImage || r.ID != tt.id || r.Digital != tt.digital || r.Kind != tt.kind || r.QR != tt.qr {
				t.Fatalf("got %+v digital=%v kind=%s qr=%q", r.ID, r.Digital, r.Kind, r.QR)
			}
			if money(r.Total) != tt.total || money(r.WithoutTax) != tt.withoutTax {
				t.Errorf("total %q without %q", money(r.Total), money(r.WithoutTax))
			}
			if got := strings.Join(r.NeedsReview, ","); got != tt.review {
				t.Errorf("review %s, want %s", got, tt.review)
			}
		})
	}
}

// buildZip writes entries in order; a nil value is a directory.
func buildZip(t testing.TB, entries ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for i := 0; i < len(entries); i += 2 {
		f, err := w.Create(entries[i].(string))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(entries[i+1].([]byte)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBundle(t *testing.T) {
	inner := buildZip(t, "a.xml", []byte(legacyXML))
	ofd := syntheticDigitalOFD(t)
	data := buildZip(t,
		"../../etc/red.xml", []byte(redDigitalXML), // a hostile name is display only
		"b/legacy.xml", []byte(legacyXML),
		"c.ofd", ofd,
		"nested.zip", inner,
		"notes.txt", []byte("hello"),
		"__MACOSX/._legacy.xml", []byte("junk"),
	)
	rs, err := parse.Parse("bundle.zip", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 5 {
		t.Fatalf("%d results: %+v", len(rs), rs)
	}
	byName := map[string]parse.Result{}
	for _, r := range rs {
		byName[strings.TrimPrefix(r.Name, "bundle.zip/")] = r
	}
	if r := byName["etc/red.xml"]; r.Err != nil || !r.Red {
		t.Errorf("red entry %+v", r)
	}
	if r := byName["b/legacy.xml"]; r.Err != nil || r.ID.Number != "00000042" {
		t.Errorf("legacy entry %+v", r)
	}
	if r := byName["c.ofd"]; r.Err != nil || r.ID.Number != "24110000000000000007" {
		t.Errorf("ofd entry %+v", r)
	}
	if r := byName["nested.zip"]; !errors.Is(r.Err, parse.ErrNestedZip) {
		t.Errorf("nested zip: %v", r.Err)
	}
	if r := byName["notes.txt"]; !errors.Is(r.Err, parse.ErrUnknownFormat) {
		t.Errorf("text file: %v", r.Err)
	}
}

func TestBundleLimits(t *testing.T) {
	t.Run("too many entries", func(t *testing.T) {
		var entries []any
		for i := 0; i <= parse.MaxBundleEntries; i++ {
			entries = append(entries, fmt.Sprintf("%d.xml", i), []byte(legacyXML))
		}
		_, err := parse.Parse("many.zip", buildZip(t, entries...))
		if !errors.Is(err, parse.ErrBundleLimit) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("zip bomb", func(t *testing.T) {
		// 51 MiB of zeros deflate to about 50 KiB.
		data := buildZip(t, "a.xml", []byte(legacyXML), "bomb.xml", make([]byte, parse.MaxBundleExpanded+1<<20))
		if len(data) > 1<<20 {
			t.Fatalf("fixture is %d bytes, not a bomb", len(data))
		}
		_, err := parse.Parse("bomb.zip", data)
		if !errors.Is(err, parse.ErrBundleLimit) {
			t.Fatalf("got %v", err)
		}
	})
}

// syntheticDigitalOFD is a 数电 OFD with no attachment and no QR image: tag
// index → page text, and CustomDatas (合计金额 without tax, no names).
func syntheticDigitalOFD(t testing.TB) []byte {
	ofdXML := `<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.1"><ofd:DocBody><ofd:DocInfo><ofd:CustomDatas>
<ofd:CustomData Name="发票号码">24110000000000000007</ofd:CustomData>
<ofd:CustomData Name="合计金额">100.00</ofd:CustomData>
<ofd:CustomData Name="合计税额">6.00</ofd:CustomData>
<ofd:CustomData Name="开票日期">2024年05月28日</ofd:CustomData>
<ofd:CustomData Name="native-producer">swdomsdk</ofd:CustomData>
</ofd:CustomDatas></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`
	tpl := `<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>
<ofd:TextObject ID="10" Boundary="0 0 10 10"><ofd:TextCode X="0" Y="0">电子发票（增值税专用发票）</ofd:TextCode></ofd:TextObject>
</ofd:Layer></ofd:Content></ofd:Page>`
	page := `<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>
<ofd:TextObject ID="61" Boundary="0 0 10 10"><ofd:TextCode X="0" Y="0">24110000000000000007</ofd:TextCode></ofd:TextObject>
<ofd:TextObject ID="62" Boundary="0 0 10 10"><ofd:TextCode X="0" Y="0">测试买方有限公司</ofd:TextCode></ofd:TextObject>
<ofd:TextObject ID="63" Boundary="0 0 10 10"><ofd:TextCode X="0" Y="0">测试&amp;卖方有限公司</ofd:TextCode></ofd:TextObject>
<ofd:TextObject ID="64" Boundary="0 0 10 10"><ofd:TextCode X="0" Y="0">¥</ofd:TextCode></ofd:TextObject>
<ofd:TextObject ID="65" Boundary="0 0 10 10"><ofd:TextCode X="0" Y="0">1</ofd:TextCode><ofd:TextCode X="1" Y="0">06.00</ofd:TextCode></ofd:TextObject>
</ofd:Layer></ofd:Content></ofd:Page>`
	tags := `<?xml version="1.0" encoding="UTF-8"?>
<ofd:root xmlns:ofd="http://www.ofdspec.org/2016"><ofd:InvoiceNo><ofd:ObjectRef PageRef="1">61</ofd:ObjectRef></ofd:InvoiceNo>
<ofd:Buyer><ofd:BuyerName><ofd:ObjectRef PageRef="1">62</ofd:ObjectRef></ofd:BuyerName><ofd:BuyerTaxID><ofd:ObjectData>91110000TEST00001X</ofd:ObjectData></ofd:BuyerTaxID></ofd:Buyer>
<ofd:Seller><ofd:SellerName><ofd:ObjectRef PageRef="1">63</ofd:ObjectRef></ofd:SellerName><ofd:SellerTaxID><ofd:ObjectData>91110000TEST00002Y</ofd:ObjectData></ofd:SellerTaxID></ofd:Seller>
<ofd:TaxInclusiveTotalAmount><ofd:ObjectRef PageRef="1">64</ofd:ObjectRef><ofd:ObjectRef PageRef="1">65</ofd:ObjectRef></ofd:TaxInclusiveTotalAmount></ofd:root>`
	return buildZip(t,
		"OFD.xml", []byte(ofdXML),
		"Doc_0/Document.xml", []byte(`<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"/>`),
		"Doc_0/TPLS/TPL_0/Content.xml", []byte(tpl),
		"Doc_0/Pages/Page_0/Content.xml", []byte(page),
		"Doc_0/Tags/CustomTags.xml", []byte(`<ofd:CustomTags xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CustomTag><ofd:FileLoc>CustomTag.xml</ofd:FileLoc></ofd:CustomTag></ofd:CustomTags>`),
		"Doc_0/Tags/CustomTag.xml", []byte(tags),
	)
}

func TestSyntheticDigitalOFD(t *testing.T) {
	r := parseOne(t, "x.ofd", syntheticDigitalOFD(t))
	if r.Format != parse.FormatOFD || !r.Digital || r.ID != (domain.BusinessID{Number: "24110000000000000007"}) {
		t.Fatalf("identity %+v digital=%v", r.ID, r.Digital)
	}
	if r.Kind != domain.KindDigitalSpecial || r.Title != "电子发票（增值税专用发票）" {
		t.Errorf("kind %s title %q", r.Kind, r.Title)
	}
	if r.Total.String() != "106.00" || r.WithoutTax.String() != "100.00" || r.Tax.String() != "6.00" {
		t.Errorf("amounts total %v without %v tax %v", r.Total, r.WithoutTax, r.Tax)
	}
	if r.Seller.Name != "测试&卖方有限公司" || r.Buyer.TaxID != "91110000TEST00001X" {
		t.Errorf("parties %+v %+v", r.Buyer, r.Seller)
	}
	if !strings.Contains(r.Sources[parse.FieldTotal], "CustomTag.xml") || !strings.Contains(r.Sources[parse.FieldWithoutTax], "CustomDatas") {
		t.Errorf("sources %v", r.Sources)
	}
	if len(r.NeedsReview) != 0 {
		t.Errorf("needs review %v", r.NeedsReview)
	}
}

// A legacy tag file with the invalid root one real issuer writes, and an
// OFD whose only data is that tag file.
func TestOFDMalformedLegacyTags(t *testing.T) {
	page := `<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>
<ofd:TextObject ID="1"><ofd:TextCode>033001900111</ofd:TextCode></ofd:TextObject>
<ofd:TextObject ID="2"><ofd:TextCode>12345678</ofd:TextCode></ofd:TextObject>
<ofd:TextObject ID="3"><ofd:TextCode>2020年01月02日</ofd:TextCode></ofd:TextObject>
</ofd:Layer></ofd:Content></ofd:Page>`
	tags := `<?xml version="1.0" encoding="UTF-8"?><:eInvoice xmlns:=""><InvoiceCode><fp:ObjectRef PageRef="1">1</fp:ObjectRef></InvoiceCode><InvoiceNo><ofd:ObjectRef PageRef="1">2</ofd:ObjectRef></InvoiceNo><IssueDate><ofd:ObjectRef PageRef="1">3</ofd:ObjectRef></IssueDate></:eInvoice>`
	data := buildZip(t, "OFD.xml", []byte(`<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>`),
		"Doc_0/Pages/Page_0/Content.xml", []byte(page), "Doc_0/Tags/Tag_Invoice.xml", []byte(tags))
	r := parseOne(t, "legacy.ofd", data)
	if r.ID != (domain.BusinessID{Code: "033001900111", Number: "12345678"}) || r.Digital || r.IssuedOn.Format("20060102") != "20200102" {
		t.Fatalf("got %+v %v", r.ID, r.IssuedOn)
	}
	for _, f := range []string{parse.FieldTotal, parse.FieldSellerName, parse.FieldCheckCode, parse.FieldKind} {
		if !slices.Contains(r.NeedsReview, f) {
			t.Errorf("needs review %v lacks %s", r.NeedsReview, f)
		}
	}
}

func TestUnreadable(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty.pdf", []byte("  \n"), parse.ErrEmpty},
		{"readme.txt", []byte("just text"), parse.ErrUnknownFormat},
		{"broken.pdf", []byte("%PDF-1.7\nnot really a pdf"), parse.ErrCorrupt},
		{"broken.xml", []byte("<EInvoice><Header>"), nil}, // truncated: read what is there
		{"other.xml", []byte("<html><body/></html>"), parse.ErrUnknownFormat},
		{"plain.png", func() []byte {
			var b bytes.Buffer
			_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, 50, 50)))
			return b.Bytes()
		}(), parse.ErrNoInvoice},
		{"broken.zip", []byte("PK\x03\x04garbage"), parse.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := parse.Parse(tt.name, tt.data)
			if tt.want == nil {
				if err != nil || len(rs) != 1 || len(rs[0].NeedsReview) == 0 {
					t.Fatalf("got %v %+v", err, rs)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.name+": ") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// imagePDF builds a PDF whose only page is the given image (pdfcpu).
func imagePDF(t *testing.T, img []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := api.ImportImages(nil, &buf, []io.Reader{bytes.NewReader(img)}, nil, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPDFQR(t *testing.T) {
	t.Run("legacy tiny QR: identity from the QR, names left for review", func(t *testing.T) {
		qr := "01,10,044001700112,00000007,51.2,20180323,13610032493225906141,3612,"
		r := parseOne(t, "toll.pdf", imagePDF(t, tinyQRPNG(t, qr)))
		if r.Format != parse.FormatPDF || r.ID != (domain.BusinessID{Code: "044001700112", Number: "00000007"}) || r.Digital {
			t.Fatalf("got %+v", r.ID)
		}
		if money(r.WithoutTax) != "51.20" || r.Total != nil || r.Sources[parse.FieldNumber] != "pdf:QR" {
			t.Errorf("without %q total %v sources %v", money(r.WithoutTax), r.Total, r.Sources)
		}
		if got := strings.Join(r.NeedsReview, ","); got != "buyer.name,seller.name,seller.tax_id,tax,total" {
			t.Errorf("review %s", got)
		}
	})
	t.Run("no QR: everything for review, nothing guessed", func(t *testing.T) {
		var b bytes.Buffer
		_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, 60, 60)))
		r := parseOne(t, "scan.pdf", imagePDF(t, b.Bytes()))
		if r.ID.Number != "" || len(r.NeedsReview) < 10 {
			t.Errorf("got %+v review %v", r.ID, r.NeedsReview)
		}
	})
}

func TestXBRLAccountingFileRefused(t *testing.T) {
	x := `<xbrli:xbrl xmlns:xbrli="http://www.xbrl.org/2003/instance" xmlns:einv="http://xbrl.mof.gov.cn/taxonomy/2023-12-31/einv"><einv:InvoiceNumber>25110000000000000001</einv:InvoiceNumber></xbrli:xbrl>`
	if _, err := parse.Parse("entry.xml", []byte(x)); !errors.Is(err, parse.ErrNoInvoice) {
		t.Fatalf("got %v", err)
	}
}

// A 20-digit 发票号码 with nothing saying 数电 (no QR, no title, no
// 数电 producer) is neither taken as 数电 nor split into 12 + 8.
func TestTwentyDigitsWithoutDigitalLayout(t *testing.T) {
	ofdXML := `<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocInfo><ofd:CustomDatas>
<ofd:CustomData Name="发票号码">03702170021127209635</ofd:CustomData>
<ofd:CustomData Name="合计金额">-227.18</ofd:CustomData>
</ofd:CustomDatas></ofd:DocInfo></ofd:DocBody></ofd:OFD>`
	r := parseOne(t, "glued.ofd", buildZip(t, "OFD.xml", []byte(ofdXML)))
	if r.ID != (domain.BusinessID{}) || r.Digital {
		t.Fatalf("got %+v digital=%v", r.ID, r.Digital)
	}
	if !slices.Contains(r.NeedsReview, parse.FieldNumber) || !slices.Contains(r.NeedsReview, parse.FieldCode) {
		t.Errorf("review %v", r.NeedsReview)
	}
	// 合计金额 is without tax, never the total.
	if money(r.WithoutTax) != "-227.18" || r.Total != nil || !r.Red {
		t.Errorf("without %q total %v red %v", money(r.WithoutTax), r.Total, r.Red)
	}
}
