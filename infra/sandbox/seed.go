package sandbox

import (
	"context"
	"fmt"
	"time"
)

// Seed registers the demo users with both apps and fills the demo wallets:
// emp-li's on OA, emp-wang's on WeCom and mgr-zhao's on both, ten invoices
// each covering wechat-protocol.md §11 item 5. It is idempotent: what
// exists (by card code) is left as it is, so a restarted `make run` keeps
// its state.
func (s *Sandbox) Seed(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.seedUsers(ctx); err != nil {
		return err
	}
	wallets := []struct {
		user    string
		channel string
	}{
		{"emp-li", channelOA}, {"emp-wang", channelWork}, {"mgr-zhao", channelOA}, {"mgr-zhao", channelWork},
	}
	now := s.now().In(chinaTime)
	base := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, chinaTime)
	for w, wl := range wallets {
		owner := demoUser(wl.user)
		openid := owner.OAOpenID
		if wl.channel == channelWork {
			openid = owner.WorkOpenID
		}
		for t, tpl := range demoInvoices {
			if err := s.seedInvoice(ctx, w, t, tpl, openid, wl.channel, base); err != nil {
				return fmt.Errorf("seed invoice %d of %s/%s: %w", t, wl.user, wl.channel, err)
			}
		}
	}
	return nil
}

func demoUser(id string) DemoUser {
	for _, u := range DemoUsers {
		if u.ID == id {
			return u
		}
	}
	panic("sandbox: no demo user " + id)
}

// demoInvoice is one kind of demo invoice; amounts in fen.
type demoInvoice struct {
	label       string
	typ         string
	payee       string
	sellerTax   string
	sellerAddr  string
	sellerBank  string
	codePrefix  string // 12-digit invoice code ("" for 数电)
	oldBilling  bool   // billing_no holds the code, billing_code the number
	digital     bool   // 数电: 20-digit number, no code, no check code
	lines       []lineItem
	net, tax    int64
	fee         int64 // 0: net + tax
	status      string
	lockedBy    string
	wrongTitle  bool
	trip        bool
	remarks     string
	daysAgo     int
	minuteOfDay int
}

func n(v int64) *int64 { return &v }

// demoInvoices: realistic but fictitious sellers, items and amounts. Tax
// rates: catering and lodging 6%, goods 13%, transport 9% (passenger
// transport by small taxpayers 3%).
var demoInvoices = []demoInvoice{
	{
		label: "normal", typ: "增值税电子普通发票", payee: "深圳市鹏城海鲜酒家有限公司",
		sellerTax: "91440300MA5F7K2L3P", sellerAddr: "深圳市福田区福华三路 88 号 0755-83330001",
		sellerBank: "中国银行深圳福田支行 7425 0000 1234", codePrefix: "0440319001",
		lines: []lineItem{{Name: "*餐饮服务*餐饮服务", Num: n(1), Unit: "次", Price: 36415}},
		net:   36415, tax: 2185, daysAgo: 2, minuteOfDay: 20*60 + 15,
	},
	{
		label: "old_billing", typ: "增值税电子普通发票", payee: "北京畅行出行科技有限公司",
		sellerTax: "91110108MA01XW2T6K", sellerAddr: "北京市海淀区上地十街 10 号 010-62550002",
		sellerBank: "招商银行北京上地支行 1109 0000 5678", codePrefix: "0110019002", oldBilling: true,
		lines: []lineItem{{Name: "*运输服务*客运服务费", Num: n(1), Unit: "次", Price: 4563}},
		net:   4563, tax: 137, remarks: "行程 2 笔", daysAgo: 3, minuteOfDay: 9*60 + 5,
	},
	{
		label: "special", typ: "增值税电子专用发票", payee: "杭州西子湖畔酒店管理有限公司",
		sellerTax: "91330106MA2H3QWE5R", sellerAddr: "杭州市西湖区北山街 28 号 0571-87960003",
		sellerBank: "工商银行杭州西湖支行 1202 0000 9012", codePrefix: "3300194130",
		lines: []lineItem{{Name: "*住宿服务*住宿费", Num: n(2), Unit: "晚", Price: 42453}},
		net:   84906, tax: 5094, daysAgo: 6, minuteOfDay: 12*60 + 2,
	},
	{
		label: "digital", typ: "电子发票（普通发票）", payee: "北京京选世纪贸易有限公司",
		sellerTax: "91110302MA00C8JX9D", sellerAddr: "北京市北京经济技术开发区科创十一街 18 号 010-89120004",
		sellerBank: "建设银行北京亦庄支行 1105 0000 3456", digital: true,
		lines: []lineItem{{Name: "*计算机外部设备*机械键盘", Num: n(1), Unit: "个", Price: 26460}},
		net:   26460, tax: 3440, daysAgo: 8, minuteOfDay: 15*60 + 40,
	},
	{
		label: "fee_mismatch", typ: "增值税电子普通发票", payee: "广州市天河文具用品有限公司",
		sellerTax: "91440106MA59PL8D2F", sellerAddr: "广州市天河区天河路 385 号 020-38880005",
		sellerBank: "农业银行广州天河支行 4405 0000 7890", codePrefix: "0440119003",
		lines: []lineItem{{Name: "*纸制品*复印纸", Num: n(5), Unit: "包", Price: 2000}},
		net:   10000, tax: 1300, fee: 11400, daysAgo: 10, minuteOfDay: 10*60 + 30,
	},
	{
		label: "locked_elsewhere", typ: "增值税电子普通发票", payee: "成都蜀韵餐饮管理有限公司",
		sellerTax: "91510104MA6CGT3K1M", sellerAddr: "成都市锦江区春熙路 66 号 028-86660006",
		sellerBank: "交通银行成都锦江支行 5110 0000 2345", codePrefix: "0510119004",
		lines: []lineItem{{Name: "*餐饮服务*餐费", Num: n(1), Unit: "次", Price: 18868}},
		net:   18868, tax: 1132, status: statusLock, lockedBy: "wxothercompany00001", daysAgo: 12, minuteOfDay: 19*60 + 45,
	},
	{
		label: "cancelled", typ: "增值税电子普通发票", payee: "上海优鲜便利商贸有限公司",
		sellerTax: "91310115MA1K4R7Y8N", sellerAddr: "上海市浦东新区张杨路 500 号 021-58880007",
		sellerBank: "浦发银行上海张江支行 9812 0000 6789", codePrefix: "0310019005",
		lines: []lineItem{{Name: "*食品*饮用天然水", Num: n(12), Unit: "瓶", Price: 177}},
		net:   2124, tax: 276, status: statusCancel, remarks: "已冲红", daysAgo: 14, minuteOfDay: 8*60 + 12,
	},
	{
		label: "multi_line", typ: "增值税电子普通发票", payee: "深圳华强电子商贸有限公司",
		sellerTax: "91440300MA5DKQ9W4X", sellerAddr: "深圳市福田区华强北路 1002 号 0755-83660008",
		sellerBank: "平安银行深圳华强北支行 1101 0000 4567", codePrefix: "0440319006",
		lines: []lineItem{
			{Name: "*计算机外部设备*无线鼠标", Num: n(2), Unit: "个", Price: 8850},
			{Name: "*计算机外部设备*鼠标垫", Num: n(1), Unit: "个", Price: 2655},
			{Name: "*计算机外部设备*折扣", Price: -1770}, // no num: price is the line amount
		},
		net: 18585, tax: 2416, remarks: "满 200 减 20", daysAgo: 16, minuteOfDay: 14*60 + 8,
	},
	{
		label: "trip", typ: "增值税电子普通发票", payee: "云翔航空股份有限公司",
		sellerTax: "91310000MA1FL1YR3C", sellerAddr: "上海市长宁区空港一路 99 号 021-22330009",
		sellerBank: "中国银行上海虹桥支行 4567 0000 8901", codePrefix: "0310019007",
		lines: []lineItem{{Name: "*运输服务*国内航空旅客运输服务", Num: n(1), Unit: "张", Price: 110092}},
		net:   110092, tax: 9908, trip: true, remarks: "上海虹桥-深圳宝安 MU5331", daysAgo: 20, minuteOfDay: 7*60 + 30,
	},
	{
		label: "wrong_title", typ: "增值税电子普通发票", payee: "杭州漫咖啡餐饮有限公司",
		sellerTax: "91330105MA27XK6H0J", sellerAddr: "杭州市拱墅区湖墅南路 186 号 0571-88880010",
		sellerBank: "杭州银行湖墅支行 3301 0000 0123", codePrefix: "0330119008",
		lines: []lineItem{{Name: "*餐饮服务*咖啡", Num: n(3), Unit: "杯", Price: 2830}},
		net:   8490, tax: 509, wrongTitle: true, daysAgo: 22, minuteOfDay: 16*60 + 20,
	},
}

// cardIDFor is the issuer's card template id for a payee: one per payee,
// 28 characters like WeChat's.
func cardIDFor(payee string) string { return idFrom("pSBX", "card/"+payee, 24) }

// issuerAppIDFor is the issuer's appid (chooseInvoice's app_id).
func issuerAppIDFor(payee string) string { return "wx" + shortHash("issuer/"+payee, 16) }

func (s *Sandbox) seedInvoice(ctx context.Context, w, t int, tpl demoInvoice, openid, channel string, day time.Time) error {
	// Card codes and invoice numbers are fixed per (wallet, template) and
	// unique across all wallets: the demo never hits invoice.duplicate.
	code := fmt.Sprintf("8%011d", 9_000_000+w*100+t)
	exists, err := s.db.NewSelect().Model((*invoiceRow)(nil)).Where("code = ?", code).Count(ctx)
	if err != nil || exists > 0 {
		return err
	}
	number := fmt.Sprintf("%08d", 31_000_000+w*1000+t*7)
	var billingNo, billingCode, checkCode string
	switch {
	case tpl.digital:
		billingNo = fmt.Sprintf("2544200000%010d", 7_000_000+w*1000+t*7)
	case tpl.oldBilling:
		billingNo, billingCode = tpl.codePrefix+"11", number
	default:
		billingNo, billingCode = number, tpl.codePrefix+"11"
	}
	if !tpl.digital {
		checkCode = fmt.Sprintf("%05d %05d %05d %05d", 10000+w*37+t, 20000+t*11, 30000+w, 40000+t)
	}
	issued := day.AddDate(0, 0, -tpl.daysAgo).Add(time.Duration(tpl.minuteOfDay) * time.Minute)
	fee := tpl.fee
	if fee == 0 {
		fee = tpl.net + tpl.tax
	}
	title, buyerTax := s.opts.CompanyName, s.opts.CompanyTaxNumber
	if tpl.wrongTitle {
		title, buyerTax = "演示科技公司", "91440300MA5G2DEM08"
	}
	d := invoiceData{
		Title: title, BillingTime: issued.Unix(), FeeWithoutTax: tpl.net, Tax: tpl.tax,
		Info: tpl.lines, PDFURL: sandboxFile + "/_files/" + code + ".pdf", CheckCode: checkCode,
		BuyerNumber: buyerTax, BuyerAddressAndPhone: "深圳市南山区科苑路 8 号讯美科技广场 0755-86000000",
		BuyerBankAccount: "招商银行深圳科技园支行 7559 0000 1080 1",
		SellerNumber:     tpl.sellerTax, SellerAddressAndPhone: tpl.sellerAddr, SellerBankAccount: tpl.sellerBank,
		Remarks: tpl.remarks, Cashier: "刘敏", Maker: "周婷",
	}
	if tpl.trip {
		d.TripPDFURL = sandboxFile + "/_files/" + code + "-trip.pdf"
	}
	status := tpl.status
	if status == "" {
		status = statusInit
	}
	row := &invoiceRow{
		EncryptCode: encryptCodeFrom([]byte(fmt.Sprintf("seed/%d/%d", w, t))),
		CardID:      cardIDFor(tpl.payee), Code: code, Channel: channel, OwnerOpenID: openid,
		IssuerAppID: issuerAppIDFor(tpl.payee), Status: status, LockedBy: tpl.lockedBy,
		BillingNo: billingNo, BillingCode: billingCode, Fee: fee, Type: tpl.typ, Payee: tpl.payee,
		BeginTime: issued.Unix(), EndTime: issued.AddDate(1, 0, 0).Unix(),
		OrderID: fmt.Sprintf("SBX%d%02d%02d", issued.Year(), w, t),
	}
	return s.saveNewInvoice(ctx, row, d)
}
