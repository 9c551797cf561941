package parse_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/intake/parse"
)

// samplesDir finds the real sample files (DECISIONS 35, 51): read in place,
// never copied into the repository. Under CI=true a missing directory fails.
func samplesDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("BAOXIAO_SAMPLES_DIR")
	if dir == "" {
		root, err := os.Getwd()
		if err != nil {
			tb.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(root)
			if parent == root {
				tb.Fatal("module root not found")
			}
			root = parent
		}
		dir = filepath.Join(root, "..", "shared", "samples")
	}
	if _, err := os.Stat(filepath.Join(dir, "einvoice")); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("samples directory %s: %v (set BAOXIAO_SAMPLES_DIR)", dir, err)
		}
		tb.Skipf("samples directory %s absent (set BAOXIAO_SAMPLES_DIR); skipped outside CI", dir)
	}
	return dir
}

// corpusWant is what each real sample must yield. Empty strings are
// fields that must NOT be read (they are not in the file, or not
// trustworthy there); review lists exactly the fields left for review.
type corpusWant struct {
	file                                      string
	format                                    parse.Format
	code, number                              string
	digital                                   bool
	kind                                      domain.InvoiceKind
	rawKind                                   string
	date                                      string
	total, withoutTax, tax                    string
	exempt                                    bool
	buyer, buyerTax, seller, sellerTax, check string
	lines                                     int
	review                                    string
}

// Expected values: SOURCES.md, go-probe-results.txt and einvoice-formats.md.
var corpus = []corpusWant{
	{file: "einvoice/img/sd-zhuanpiao_24112000000048542163_qr_from_ofd.png", format: parse.FormatImage, code: "", number: "24112000000048542163", digital: true, kind: "digital_special", rawKind: "31", date: "2024-05-28", total: "4449.00", withoutTax: "", tax: "", exempt: false, buyer: "", buyerTax: "", seller: "", sellerTax: "", check: "", lines: 0, review: "buyer.name,seller.name,seller.tax_id,tax,without_tax"},
	{file: "einvoice/ofd/legacy-pp-anonymized_wuhan-metro_ofdrw-csfapiao1.ofd", format: parse.FormatOFD, code: "", number: "", digital: false, kind: "vat_e_normal", rawKind: "", date: "", total: "", withoutTax: "", tax: "", exempt: false, buyer: "", buyerTax: "", seller: "", sellerTax: "", check: "", lines: 0, review: "buyer.name,check_code,code,issued_on,number,seller.name,seller.tax_id,tax,total,without_tax"},
	{file: "einvoice/ofd/legacy-pp-list_033002200211_99934328_ofdrw-SignScaleError.ofd", format: parse.FormatOFD, code: "033002200211", number: "99934328", digital: false, kind: "vat_e_normal", rawKind: "", date: "2022-09-01", total: "11.20", withoutTax: "9.91", tax: "1.29", exempt: false, buyer: "江苏中电创新环境科技有限公司", buyerTax: "913202133140424571", seller: "杭州融运科技有限公司", sellerTax: "91330106MA7GAL1299", check: "64484022470182298515", lines: 1, review: ""},
	{file: "einvoice/ofd/legacy-pp_011002680026_71500013_ofdrw-draw_param_ref.ofd", format: parse.FormatOFD, code: "011002680026", number: "71500013", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2020-02-20", total: "10000.00", withoutTax: "9709.00", tax: "291.00", exempt: false, buyer: "百望股份有限公司", buyerTax: "91110108339805094M", seller: "ukey测试", sellerTax: "91110101202001201", check: "03272875819686271285", lines: 100, review: ""},
	{file: "einvoice/ofd/legacy-pp_031001900511_04875996_ofdrw-no_page_container.ofd", format: parse.FormatOFD, code: "031001900511", number: "04875996", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2020-04-20", total: "57.00", withoutTax: "57.00", tax: "0.00", exempt: true, buyer: "上海浪潮云计算服务有限公司", buyerTax: "91310108342080987A", seller: "上海阿金大白餐饮管理有限公司", sellerTax: "91310110MA1G8YNR76", check: "77669856890717802165", lines: 1, review: ""},
	{file: "einvoice/ofd/legacy-pp_032001600511_31471858_ofdrw-keyword2.ofd", format: parse.FormatOFD, code: "032001600511", number: "31471858", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2020-10-04", total: "200.00", withoutTax: "198.04", tax: "1.96", exempt: false, buyer: "上海后衍品牌管理有限公司钟楼分公司", buyerTax: "91320404MA22FHG7XX", seller: "新北区河海华昇印章雕刻社", sellerTax: "32040419760706081301", check: "01897109054748898321", lines: 1, review: ""},
	{file: "einvoice/ofd/legacy-pp_032001900311_25577301_OfdSharp-test1.ofd", format: parse.FormatOFD, code: "032001900311", number: "25577301", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2020-11-12", total: "181.14", withoutTax: "181.14", tax: "0.00", exempt: true, buyer: "四川长虹电器股份有限公司", buyerTax: "91510700205412308D", seller: "南京爱洋文化传播有限公司", sellerTax: "91320111339366503A", check: "58569302723370975117", lines: 1, review: ""},
	{file: "einvoice/ofd/legacy-pp_033002000211_83089647_ofdrw-1.ofd", format: parse.FormatOFD, code: "033002000211", number: "83089647", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2020-07-23", total: "526.00", withoutTax: "510.68", tax: "15.32", exempt: false, buyer: "江苏京利华新材料有限公司", buyerTax: "91320115MA202UKD7X", seller: "兰溪市悦济舫餐厅", sellerTax: "92330781MA2EDMFU50", check: "16197833567414507415", lines: 1, review: ""},
	{file: "einvoice/ofd/legacy-pp_050001700111_12235358_ofdrw-999.ofd", format: parse.FormatOFD, code: "050001700111", number: "12235358", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2020-08-05", total: "10600.00", withoutTax: "10000.00", tax: "600.00", exempt: false, buyer: "个人", buyerTax: "", seller: "财天下科技有限公司", sellerTax: "91500102563638729E", check: "16630282980991510014", lines: 100, review: ""},
	{file: "einvoice/ofd/legacy-pp_050001700111_99999951_ofdrw-v4signed.ofd", format: parse.FormatOFD, code: "050001700111", number: "99999951", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2020-10-10", total: "318.00", withoutTax: "300.00", tax: "18.00", exempt: false, buyer: "科游迈利有限公司", buyerTax: "9150010807MGZHI002", seller: "杭州融易算企业管理咨询有限公司", sellerTax: "91500106MA2CE71F65", check: "14754822929856772523", lines: 3, review: ""},
	{file: "einvoice/ofd/sd-zhuanpiao_24112000000048542163_ofdrw.ofd", format: parse.FormatOFD, code: "", number: "24112000000048542163", digital: true, kind: "digital_special", rawKind: "31", date: "2024-05-28", total: "4449.00", withoutTax: "4197.17", tax: "251.83", exempt: false, buyer: "海南麒麟云服科技有限公司", buyerTax: "91460300MAA92DJN95", seller: "北京互联三六五科技有限公司", sellerTax: "91110108690017781B", check: "", lines: 0, review: ""},
	{file: "einvoice/pdf/legacy-pp_012001800211_23326471_Invoice2Excel-didi.pdf", format: parse.FormatPDF, code: "012001800211", number: "23326471", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2018-09-21", total: "", withoutTax: "734.59", tax: "", exempt: false, buyer: "", buyerTax: "", seller: "", sellerTax: "", check: "16707184549009707698", lines: 0, review: "buyer.name,seller.name,seller.tax_id,tax,total"},
	{file: "einvoice/pdf/legacy-pp_012001900111_51142414_Invoice2Excel.pdf", format: parse.FormatPDF, code: "012001900111", number: "51142414", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2019-07-20", total: "", withoutTax: "47.26", tax: "", exempt: false, buyer: "", buyerTax: "", seller: "", sellerTax: "", check: "65431824771847114698", lines: 0, review: "buyer.name,seller.name,seller.tax_id,tax,total"},
	{file: "einvoice/pdf/legacy-pp_037021700211_27209635_Invoice2Excel.pdf", format: parse.FormatPDF, code: "037021700211", number: "27209635", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2018-10-22", total: "", withoutTax: "227.18", tax: "", exempt: false, buyer: "", buyerTax: "", seller: "", sellerTax: "", check: "15842564450878415553", lines: 0, review: "buyer.name,seller.name,seller.tax_id,tax,total"},
	{file: "einvoice/pdf/legacy-pp_042002200411_50440169_fapiaohezi-discount.pdf", format: parse.FormatPDF, code: "042002200411", number: "50440169", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2023-08-11", total: "", withoutTax: "272.25", tax: "", exempt: false, buyer: "", buyerTax: "", seller: "", sellerTax: "", check: "01366232855399948930", lines: 0, review: "buyer.name,seller.name,seller.tax_id,tax,total"},
	{file: "einvoice/pdf/legacy-pp_042002200411_51596863_fapiaohezi.pdf", format: parse.FormatPDF, code: "042002200411", number: "51596863", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2023-03-26", total: "", withoutTax: "176.99", tax: "", exempt: false, buyer: "", buyerTax: "", seller: "", sellerTax: "", check: "85843253062804096561", lines: 0, review: "buyer.name,seller.name,seller.tax_id,tax,total"},
	{file: "einvoice/pdf/legacy-pp_042002300111_17379385_fapiaohezi-tinyqr.pdf", format: parse.FormatPDF, code: "042002300111", number: "17379385", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2023-04-11", total: "", withoutTax: "225.74", tax: "", exempt: false, buyer: "", buyerTax: "", seller: "", sellerTax: "", check: "05119135053586089326", lines: 0, review: "buyer.name,seller.name,seller.tax_id,tax,total"},
	{file: "einvoice/pdf/legacy-toll_042001700112_11162913_Invoice2Excel.pdf", format: parse.FormatPDF, code: "042001700112", number: "11162913", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2018-03-23", total: "", withoutTax: "184.65", tax: "", exempt: false, buyer: "", buyerTax: "", seller: "", sellerTax: "", check: "11241636206802490280", lines: 0, review: "buyer.name,seller.name,seller.tax_id,tax,total"},
	{file: "einvoice/pdf/legacy-toll_043001800112_07011955_Invoice2Excel.pdf", format: parse.FormatPDF, code: "043001800112", number: "07011955", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2018-03-23", total: "", withoutTax: "36.92", tax: "", exempt: false, buyer: "", buyerTax: "", seller: "", sellerTax: "", check: "08424113382897776596", lines: 0, review: "buyer.name,seller.name,seller.tax_id,tax,total"},
	{file: "einvoice/pdf/legacy-toll_044001700112_36151707_Invoice2Excel.pdf", format: parse.FormatPDF, code: "044001700112", number: "36151707", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2018-03-23", total: "", withoutTax: "51.20", tax: "", exempt: false, buyer: "", buyerTax: "", seller: "", sellerTax: "", check: "13610032493225906141", lines: 0, review: "buyer.name,seller.name,seller.tax_id,tax,total"},
	{file: "einvoice/pdf/sd-air-itinerary-preview_ofdrw-xbrl-001.pdf", format: parse.FormatPDF, code: "", number: "", digital: false, kind: "other", rawKind: "", date: "", total: "", withoutTax: "", tax: "", exempt: false, buyer: "", buyerTax: "", seller: "", sellerTax: "", check: "", lines: 0, review: "buyer.name,check_code,code,issued_on,kind,number,seller.name,seller.tax_id,tax,total,without_tax"},
	{file: "einvoice/pdf/sd-pp_26427000000144470353_fapiaohezi.pdf", format: parse.FormatPDF, code: "", number: "26427000000144470353", digital: true, kind: "digital_normal", rawKind: "32", date: "2026-01-08", total: "267.19", withoutTax: "236.45", tax: "30.74", exempt: false, buyer: "安徽燕之坊食品有限公司", buyerTax: "91340100728526312J", seller: "中国石化销售股份有限公司湖北武汉石油分公司", sellerTax: "914201006791228986", check: "", lines: 0, review: ""},
	{file: "einvoice/pdf/sd-pp_26427000000145891088_fapiaohezi.pdf", format: parse.FormatPDF, code: "", number: "26427000000145891088", digital: true, kind: "digital_normal", rawKind: "32", date: "2026-01-08", total: "365.42", withoutTax: "323.38", tax: "42.04", exempt: false, buyer: "安徽燕之坊食品有限公司", buyerTax: "91340100728526312J", seller: "中国石化销售股份有限公司湖北武汉石油分公司", sellerTax: "914201006791228986", check: "", lines: 0, review: ""},
	{file: "einvoice/pdf/sd-pp_26427000000145891963_fapiaohezi.pdf", format: parse.FormatPDF, code: "", number: "26427000000145891963", digital: true, kind: "digital_normal", rawKind: "32", date: "2026-01-08", total: "220.00", withoutTax: "194.69", tax: "25.31", exempt: false, buyer: "安徽燕之坊食品有限公司", buyerTax: "91340100728526312J", seller: "中国石化销售股份有限公司湖北武汉石油分公司", sellerTax: "914201006791228986", check: "", lines: 0, review: ""},
	{file: "einvoice/xml/legacy-original_invoice_033002000211_83089647_from_ofdrw-1.xml", format: parse.FormatLegacyXML, code: "033002000211", number: "83089647", digital: false, kind: "vat_e_normal", rawKind: "10", date: "2020-07-23", total: "526.00", withoutTax: "510.68", tax: "15.32", exempt: false, buyer: "江苏京利华新材料有限公司", buyerTax: "91320115MA202UKD7X", seller: "兰溪市悦济舫餐厅", sellerTax: "92330781MA2EDMFU50", check: "16197833567414507415", lines: 1, review: ""},
	{file: "einvoice/xml/legacy-xbrl-inv_ord_issuer_03300220021199934328_from_ofdrw-SignScaleError.xml", format: parse.FormatLegacyXML, code: "033002200211", number: "99934328", digital: false, kind: "vat_e_normal", rawKind: "", date: "2022-09-01", total: "11.20", withoutTax: "9.91", tax: "1.29", exempt: false, buyer: "江苏中电创新环境科技有限公司", buyerTax: "913202133140424571", seller: "杭州融运科技有限公司", sellerTax: "91330106MA7GAL1299", check: "64484022470182298515", lines: 1, review: ""},
	{file: "einvoice/xml/sd-pp-taxi_desensitized_invoice-precheck_gaode-js-taxi.xml", format: parse.FormatDigitalXML, code: "", number: "26320000000000100001", digital: true, kind: "other", rawKind: "", date: "2026-07-18", total: "39.54", withoutTax: "38.39", tax: "1.15", exempt: false, buyer: "xxxxxx有限责任公司", buyerTax: "91xxxxxxxxxxxxxxxx3", seller: "示例出行服务有限公司示例分公司", sellerTax: "91320000000000000X", check: "", lines: 2, review: "kind"},
	{file: "einvoice/xml/sd-zhuanpiao_official-mof-sample-desensitized_invoice-precheck_official-gd-special.xml", format: parse.FormatDigitalXML, code: "", number: "23440000000000100001", digital: true, kind: "digital_special", rawKind: "01", date: "2023-02-23", total: "2.12", withoutTax: "2.00", tax: "0.12", exempt: false, buyer: "示例商贸有限公司", buyerTax: "91440000000000001Y", seller: "示例制造集团有限公司", sellerTax: "91440000000000000X", check: "", lines: 1, review: ""},
}

func money(p *domain.Money) string {
	if p == nil {
		return ""
	}
	return p.String()
}

func TestCorpus(t *testing.T) {
	dir := samplesDir(t)
	seen := map[string]bool{}
	for _, w := range corpus {
		seen[w.file] = true
		t.Run(filepath.Base(w.file), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, w.file))
			if err != nil {
				t.Fatal(err)
			}
			rs, err := parse.Parse(filepath.Base(w.file), data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(rs) != 1 {
				t.Fatalf("got %d results, want 1", len(rs))
			}
			r := rs[0]
			date := ""
			if !r.IssuedOn.IsZero() {
				date = r.IssuedOn.Format("2006-01-02")
			}
			got := corpusWant{file: w.file, format: r.Format, code: r.ID.Code, number: r.ID.Number, digital: r.Digital,
				kind: r.Kind, rawKind: r.RawKind, date: date, total: money(r.Total), withoutTax: money(r.WithoutTax),
				tax: money(r.Tax), exempt: r.TaxExempt, buyer: r.Buyer.Name, buyerTax: r.Buyer.TaxID,
				seller: r.Seller.Name, sellerTax: r.Seller.TaxID, check: r.CheckCode, lines: len(r.Lines),
				review: strings.Join(r.NeedsReview, ",")}
			if got != w {
				t.Errorf("\n got %+v\nwant %+v", got, w)
			}
			// Every field read names its source.
			for f, ok := range map[string]bool{parse.FieldNumber: r.ID.Number != "", parse.FieldTotal: r.Total != nil,
				parse.FieldSellerName: r.Seller.Name != "", parse.FieldIssuedOn: !r.IssuedOn.IsZero()} {
				if ok && r.Sources[f] == "" {
					t.Errorf("field %s has no source", f)
				}
			}
		})
	}
	// Every sample file is listed: a new sample needs its expectations.
	err := filepath.WalkDir(filepath.Join(dir, "einvoice"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Dir(p) == filepath.Join(dir, "einvoice") {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !seen[filepath.ToSlash(rel)] {
			t.Errorf("sample %s has no expectations in TestCorpus", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
