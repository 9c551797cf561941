package sandbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
)

// getInvoice is getinvoiceinfo's answer.
type getInvoice struct {
	Errcode   int    `json:"errcode"`
	CardID    string `json:"card_id"`
	BeginTime int64  `json:"begin_time"`
	EndTime   int64  `json:"end_time"`
	OpenID    string `json:"openid"`
	Type      string `json:"type"`
	Payee     string `json:"payee"`
	UserInfo  struct {
		Fee           int64  `json:"fee"`
		FeeWithoutTax int64  `json:"fee_without_tax"`
		Tax           int64  `json:"tax"`
		Title         string `json:"title"`
		BillingTime   int64  `json:"billing_time"`
		BillingNo     string `json:"billing_no"`
		BillingCode   string `json:"billing_code"`
		Info          []struct {
			Name  string `json:"name"`
			Num   *int64 `json:"num"`
			Unit  string `json:"unit"`
			Price int64  `json:"price"`
			Fee   *int64 `json:"fee"`
		} `json:"info"`
		PDFURL          string `json:"pdf_url"`
		TripPDFURL      string `json:"trip_pdf_url"`
		ReimburseStatus string `json:"reimburse_status"`
		CheckCode       string `json:"check_code"`
		BuyerNumber     string `json:"buyer_number"`
		SellerNumber    string `json:"seller_number"`
	} `json:"user_info"`
}

func (e *env) getInvoice(channel, token string, w walletItem) (getInvoice, resp) {
	e.t.Helper()
	path := oaR
	if channel == "work" {
		path = workR
	}
	r := e.post(path+"getinvoiceinfo", tok(token), ref(w))
	var g getInvoice
	_ = json.Unmarshal(r.Body, &g)
	return g, r
}

// Checklist 5: demo data.
func TestChecklist05DemoData(t *testing.T) {
	e := start(t)
	oa, work := e.oaToken(), e.workToken()
	wallets := []struct {
		user, channel, openid string
	}{
		{"emp-li", "oa", demo("emp-li").OAOpenID},
		{"emp-wang", "work", demo("emp-wang").WorkOpenID},
		{"mgr-zhao", "oa", demo("mgr-zhao").OAOpenID},
		{"mgr-zhao", "work", demo("mgr-zhao").WorkOpenID},
	}
	numbers := map[string]string{}
	for _, wl := range wallets {
		t.Run(wl.user+"/"+wl.channel, func(t *testing.T) {
			items := e.wallet(wl.openid)
			must(t, len(items) >= 8, "%d invoices", len(items))
			token := oa
			if wl.channel == "work" {
				token = work
			}
			seen := map[string]bool{}
			for _, it := range items {
				key := it.BillingCode + "/" + it.BillingNo
				must(t, numbers[key] == "", "invoice %s in two wallets (%s)", key, numbers[key])
				numbers[key] = wl.user + "/" + wl.channel
				g, r := e.getInvoice(wl.channel, token, it)
				wantErrcode(t, r, 0)
				must(t, g.OpenID == wl.openid && g.CardID == it.CardID, "owner %q card %q", g.OpenID, g.CardID)
				ui := g.UserInfo
				id, review, err := domain.ClassifyBilling(ui.BillingNo, ui.BillingCode)
				must(t, err == nil && !review, "billing %q/%q: review=%v err=%v", ui.BillingNo, ui.BillingCode, review, err)
				switch {
				case id.Digital():
					seen["digital"] = true
					must(t, g.Type == "电子发票（普通发票）" && ui.CheckCode == "", "数电 invoice %+v", g)
				case ui.BillingNo == id.Number:
					seen["new convention"] = true
				default:
					seen["old convention"] = true
				}
				if strings.Contains(g.Type, "专用") {
					seen["special"] = true
				}
				if ui.Fee != ui.FeeWithoutTax+ui.Tax {
					seen["fee mismatch"] = true
				}
				for _, l := range ui.Info {
					if l.Price < 0 {
						seen["negative line"] = true
					}
					if l.Num == nil {
						seen["line without num"] = true
					}
					// Line amounts are a WeCom-only field.
					must(t, (l.Fee != nil) == (wl.channel == "work"), "info[].fee on %s: %v", wl.channel, l.Fee)
				}
				if ui.TripPDFURL != "" {
					seen["trip pdf"] = true
				}
				if strings.ContainsAny(it.EncryptCode, "+") && strings.ContainsAny(it.EncryptCode, "/") && strings.HasSuffix(it.EncryptCode, "=") {
					seen["+/= encrypt_code"] = true
				}
				if ui.Title != config.SandboxCompanyName {
					seen["wrong title"] = true
				} else {
					must(t, ui.BuyerNumber != "", "no buyer tax number")
				}
				switch ui.ReimburseStatus {
				case "INVOICE_REIMBURSE_LOCK":
					seen["locked elsewhere"] = it.LockedByAppID == "wxothercompany00001"
				case "INVOICE_REIMBURSE_CANCEL":
					seen["cancelled"] = true
				}
				must(t, strings.HasPrefix(ui.PDFURL, e.url+"/_files/"), "pdf_url %q", ui.PDFURL)
			}
			for _, k := range []string{"new convention", "old convention", "digital", "special", "fee mismatch", "negative line",
				"line without num", "trip pdf", "+/= encrypt_code", "wrong title", "locked elsewhere", "cancelled"} {
				must(t, seen[k], "no %s invoice", k)
			}
		})
	}

	t.Run("pdf_url and trip_pdf_url serve small valid PDFs", func(t *testing.T) {
		w := e.wallet(demo("emp-li").OAOpenID)
		for _, it := range w {
			g, _ := e.getInvoice("oa", oa, it)
			for _, u := range []string{g.UserInfo.PDFURL, g.UserInfo.TripPDFURL} {
				if u == "" {
					continue
				}
				r := e.get(strings.TrimPrefix(u, e.url), nil)
				must(t, r.Status == 200 && r.Header.Get("Content-Type") == "application/pdf", "%s: %d", u, r.Status)
				must(t, bytes.HasPrefix(r.Body, []byte("%PDF-1.")) && bytes.Contains(r.Body, []byte("%%EOF")) &&
					bytes.Contains(r.Body, []byte("startxref")), "not a PDF")
			}
		}
		must(t, e.get("/_files/000000000000.pdf", nil).Status == 404, "unknown PDF served")
	})
}

// Checklist 6: queries.
func TestChecklist06Queries(t *testing.T) {
	e := start(t)
	oa, work := e.oaToken(), e.workToken()
	li := e.wallet(demo("emp-li").OAOpenID)
	wang := e.wallet(demo("emp-wang").WorkOpenID)

	t.Run("unknown card pair is 72031", func(t *testing.T) {
		for name, w := range map[string]walletItem{
			"unknown":                {CardID: li[0].CardID, EncryptCode: "nope"},
			"other card_id":          {CardID: li[1].CardID, EncryptCode: li[0].EncryptCode},
			"encrypt_code case":      {CardID: li[0].CardID, EncryptCode: strings.ToLower(li[0].EncryptCode)},
			"plus decoded to space":  {CardID: li[0].CardID, EncryptCode: strings.ReplaceAll(li[0].EncryptCode, "+", " ")},
			"other channel's wallet": wang[0],
		} {
			_, r := e.getInvoice("oa", oa, w)
			must(t, r.errcode() == 72031, "%s: %s", name, r.Body)
		}
	})
	t.Run("batch leaves unknown items out with errcode 0", func(t *testing.T) {
		body := map[string]any{"item_list": []any{ref(li[0]), map[string]any{"card_id": "x", "encrypt_code": "y"}, ref(li[2])}}
		r := e.post(oaR+"getinvoicebatch", tok(oa), body)
		wantErrcode(t, r, 0)
		var got struct {
			ItemList []getInvoice `json:"item_list"`
		}
		_ = json.Unmarshal(r.Body, &got)
		must(t, len(got.ItemList) == 2 && got.ItemList[0].CardID == li[0].CardID && got.ItemList[1].CardID == li[2].CardID, "items %s", r.Body)
		must(t, got.ItemList[1].UserInfo.BillingNo == li[2].BillingNo, "batch item lacks user_info")
		must(t, !strings.Contains(string(r.Body), "encrypt_code"), "batch items carry encrypt_code")

		e.ctl(http.MethodPost, "/switches", map[string]any{"batch_fail_whole": true})
		wantErrcode(t, e.post(oaR+"getinvoicebatch", tok(oa), body), 72031)
		e.ctl(http.MethodPost, "/switches", map[string]any{"batch_fail_whole": false})
	})
	t.Run("WeCom batch path is getinvoiceinfobatch", func(t *testing.T) {
		r := e.post(workR+"getinvoiceinfobatch", tok(work), map[string]any{"item_list": []any{ref(wang[0]), ref(wang[1])}})
		wantErrcode(t, r, 0)
		must(t, strings.Count(string(r.Body), `"user_info"`) == 2, "WeCom batch: %s", r.Body)
		must(t, e.post(workR+"getinvoicebatch", tok(work), nil).Status == http.StatusNotFound, "OA batch name on WeCom")
	})
	t.Run("malformed JSON is 47001, empty batch 72031", func(t *testing.T) {
		wantErrcode(t, e.post(oaR+"getinvoiceinfo", tok(oa), "{not json"), 47001)
		wantErrcode(t, e.post(oaR+"getinvoicebatch", tok(oa), map[string]any{"item_list": []any{}}), 72031)
	})
}

const (
	sINIT    = "INVOICE_REIMBURSE_INIT"
	sLOCK    = "INVOICE_REIMBURSE_LOCK"
	sCLOSURE = "INVOICE_REIMBURSE_CLOSURE"
	sCANCEL  = "INVOICE_REIMBURSE_CANCEL"
)

// Checklist 7: the status machine, every rule.
func TestChecklist07StatusMachine(t *testing.T) { statusMachine(t, start(t)) }

func statusMachine(t *testing.T, e *env) {
	oa := e.oaToken()
	owner := demo("emp-li").OAOpenID
	other := "wxothercompany00001"
	cases := []struct {
		name     string
		from     string
		lockedBy string // "" or other; "us" = the OA appid
		to       string
		errcode  int
		after    string
	}{
		{"INIT→LOCK", sINIT, "", sLOCK, 0, sLOCK},
		{"LOCK→CLOSURE", sLOCK, "us", sCLOSURE, 0, sCLOSURE},
		{"LOCK→INIT by the locker", sLOCK, "us", sINIT, 0, sINIT},
		{"LOCK→LOCK by the locker is a no-op", sLOCK, "us", sLOCK, 0, sLOCK},
		{"INIT→CLOSURE needs a lock", sINIT, "", sCLOSURE, 72039, sINIT},
		{"INIT→CANCEL by a reimburser", sINIT, "", sCANCEL, 72024, sINIT},
		{"LOCK→CANCEL by a reimburser", sLOCK, "us", sCANCEL, 72024, sLOCK},
		{"CLOSURE→INIT", sCLOSURE, "us", sINIT, 72024, sCLOSURE},
		{"CLOSURE→LOCK", sCLOSURE, "us", sLOCK, 72024, sCLOSURE},
		{"CANCEL→INIT", sCANCEL, "", sINIT, 72024, sCANCEL},
		{"CANCEL→LOCK", sCANCEL, "", sLOCK, 72024, sCANCEL},
		{"LOCK by another: INIT", sLOCK, other, sINIT, 72023, sLOCK},
		{"LOCK by another: CLOSURE", sLOCK, other, sCLOSURE, 72023, sLOCK},
		{"LOCK by another: LOCK", sLOCK, other, sLOCK, 72023, sLOCK},
		{"unknown status value", sINIT, "", "INVOICE_REIMBURSE_PAID", 72024, sINIT},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			locked := tc.lockedBy
			if locked == "us" {
				locked = config.SandboxOAAppID
			}
			w := e.newInvoice(owner, "oa", map[string]any{"reimburse_status": tc.from, "locked_by_appid": locked})
			wantErrcode(t, e.setStatus("oa", oa, w, tc.to), tc.errcode)
			status, _, lockedBy := e.invoiceState(w.CardID, w.EncryptCode)
			must(t, status == tc.after, "status %s, want %s", status, tc.after)
			if tc.errcode == 0 && tc.after == sLOCK {
				must(t, lockedBy == config.SandboxOAAppID, "locked by %q", lockedBy)
			}
		})
	}
	t.Run("LOCK→LOCK by the locker is 72024 with the switch", func(t *testing.T) {
		e.ctl(http.MethodPost, "/switches", map[string]any{"lock_lock_72024": true})
		defer e.ctl(http.MethodPost, "/switches", map[string]any{"lock_lock_72024": false})
		w := e.newInvoice(owner, "oa", map[string]any{"reimburse_status": sLOCK, "locked_by_appid": config.SandboxOAAppID})
		wantErrcode(t, e.setStatus("oa", oa, w, sLOCK), 72024)
	})
	t.Run("the lock holder is the appid: WeCom cannot unlock an OA lock", func(t *testing.T) {
		w := e.newInvoice(demo("emp-wang").WorkOpenID, "work", map[string]any{"reimburse_status": sLOCK, "locked_by_appid": config.SandboxOAAppID})
		wantErrcode(t, e.setStatus("work", e.workToken(), w, sINIT), 72023)
	})
	t.Run("WeCom path runs the same machine", func(t *testing.T) {
		work := e.workToken()
		w := e.newInvoice(demo("emp-wang").WorkOpenID, "work", nil)
		wantErrcode(t, e.setStatus("work", work, w, sLOCK), 0)
		_, _, lockedBy := e.invoiceState(w.CardID, w.EncryptCode)
		must(t, lockedBy == config.SandboxWorkCorpID, "locked by %q", lockedBy)
		wantErrcode(t, e.setStatus("work", work, w, sCLOSURE), 0)
		wantErrcode(t, e.setStatus("work", work, w, sINIT), 72024)
	})
}

// Checklist 8: a demo invoice is pre-locked by another company.
func TestChecklist08LockedElsewhere(t *testing.T) {
	e := start(t)
	oa := e.oaToken()
	var locked *walletItem
	for _, it := range e.wallet(demo("emp-li").OAOpenID) {
		if it.ReimburseStatus == sLOCK {
			locked = &it
		}
	}
	must(t, locked != nil && locked.LockedByAppID == "wxothercompany00001", "no pre-locked demo invoice")
	for _, to := range []string{sLOCK, sINIT, sCLOSURE} {
		wantErrcode(t, e.setStatus("oa", oa, *locked, to), 72023)
	}
	g, _ := e.getInvoice("oa", oa, *locked)
	must(t, g.UserInfo.ReimburseStatus == sLOCK, "status %s", g.UserInfo.ReimburseStatus)
}

// Checklist 9: batches.
func TestChecklist09Batches(t *testing.T) {
	e := start(t)
	oa := e.oaToken()
	owner := demo("emp-li").OAOpenID
	batch := func(openid, status string, ws ...walletItem) resp {
		list := []any{}
		for _, w := range ws {
			list = append(list, ref(w))
		}
		return e.post(oaR+"updatestatusbatch", tok(oa), map[string]any{"openid": openid, "reimburse_status": status, "invoice_list": list})
	}
	statuses := func(ws ...walletItem) []string {
		var out []string
		for _, w := range ws {
			s, _, _ := e.invoiceState(w.CardID, w.EncryptCode)
			out = append(out, s)
		}
		return out
	}
	allAre := func(want string, ws ...walletItem) {
		t.Helper()
		for i, s := range statuses(ws...) {
			must(t, s == want, "invoice %d is %s, want %s", i, s, want)
		}
	}

	t.Run("all invoices of the owner lock together", func(t *testing.T) {
		a, b := e.newInvoice(owner, "oa", nil), e.newInvoice(owner, "oa", nil)
		wantErrcode(t, batch(owner, sLOCK, a, b), 0)
		allAre(sLOCK, a, b)
		wantErrcode(t, batch(owner, sCLOSURE, a, b), 0)
		allAre(sCLOSURE, a, b)
	})
	t.Run("mixed openids are 72037 and change nothing", func(t *testing.T) {
		a := e.newInvoice(owner, "oa", nil)
		b := e.newInvoice(demo("mgr-zhao").OAOpenID, "oa", nil)
		wantErrcode(t, batch(owner, sLOCK, a, b), 72037)
		allAre(sINIT, a, b)
		wantErrcode(t, batch(demo("mgr-zhao").OAOpenID, sLOCK, a), 72037)
	})
	t.Run("one refusal rolls the whole batch back", func(t *testing.T) {
		a, c := e.newInvoice(owner, "oa", nil), e.newInvoice(owner, "oa", nil)
		b := e.newInvoice(owner, "oa", map[string]any{"reimburse_status": sLOCK, "locked_by_appid": "wxothercompany00001"})
		wantErrcode(t, batch(owner, sLOCK, a, b, c), 72023)
		allAre(sINIT, a, c)
		d := e.newInvoice(owner, "oa", map[string]any{"reimburse_status": sCANCEL})
		wantErrcode(t, batch(owner, sLOCK, a, d, c), 72024)
		allAre(sINIT, a, c)
		wantErrcode(t, batch(owner, sLOCK, a, walletItem{CardID: "x", EncryptCode: "y"}), 72031)
		allAre(sINIT, a)
	})
	t.Run("an optional cap answers 72055", func(t *testing.T) {
		e.ctl(http.MethodPost, "/switches", map[string]any{"batch_cap": 2})
		defer e.ctl(http.MethodPost, "/switches", map[string]any{"batch_cap": 0})
		a, b, c := e.newInvoice(owner, "oa", nil), e.newInvoice(owner, "oa", nil), e.newInvoice(owner, "oa", nil)
		wantErrcode(t, batch(owner, sLOCK, a, b, c), 72055)
		allAre(sINIT, a, b, c)
		wantErrcode(t, e.post(oaR+"getinvoicebatch", tok(oa), map[string]any{"item_list": []any{ref(a), ref(b), ref(c)}}), 72055)
		wantErrcode(t, batch(owner, sLOCK, a, b), 0)
	})
	t.Run("WeCom updatestatusbatch", func(t *testing.T) {
		wang := demo("emp-wang").WorkOpenID
		a, b := e.newInvoice(wang, "work", nil), e.newInvoice(wang, "work", nil)
		r := e.post(workR+"updatestatusbatch", tok(e.workToken()), map[string]any{
			"openid": wang, "reimburse_status": sLOCK, "invoice_list": []any{ref(a), ref(b)}})
		wantErrcode(t, r, 0)
		allAre(sLOCK, a, b)
	})
}

// Checklist 14: insert.
func TestChecklist14Insert(t *testing.T) {
	e := start(t)
	oa := e.oaToken()
	li := demo("emp-li").OAOpenID
	insert := func(userData map[string]any, extTop map[string]any) resp {
		ext, _ := json.Marshal(map[string]any{"nonce_str": "j!Re1WxaHv", "user_card": map[string]any{"invoice_user_data": userData}})
		body := map[string]any{"order_id": "111163", "card_id": "pjZ8Yt9WoOePThU0NfUKz5-tBEWU", "appid": "wxc0b84a53ed8e8d29",
			"card_ext": string(ext), "openid": li}
		for k, v := range extTop {
			body[k] = v
		}
		return e.post("/card/invoice/insert", tok(oa), body)
	}
	data := func(no, code string) map[string]any {
		return map[string]any{
			"info":       []any{map[string]any{"price": "10000", "num": 3, "name": "牙膏", "unit": "支"}},
			"billing_no": no, "billing_code": code, "billing_time": "1468306058", "tax": "3900",
			"s_pdf_media_id": "s_pdf_media_id_abc123", "fee": 33900.0, "title": config.SandboxCompanyName,
			"fee_without_tax": 30000, "buyer_number": "123456789012345678", "check_code": "12345678901234567890",
		}
	}

	var code string
	t.Run("loose types are accepted", func(t *testing.T) {
		r := insert(data("12345678", "044031900111"), nil)
		wantErrcode(t, r, 0)
		code = r.str("code")
		must(t, code != "" && r.str("openid") == li, "answer %s", r.Body)
		var inv *walletItem
		for _, it := range e.wallet(li) {
			if it.Code == code {
				inv = &it
			}
		}
		must(t, inv != nil && inv.Fee == 33900 && inv.ReimburseStatus == sINIT, "not in the wallet: %+v", inv)
		g, _ := e.getInvoice("oa", oa, *inv)
		must(t, g.UserInfo.BillingTime == 1468306058 && g.UserInfo.Info[0].Price == 10000 && *g.UserInfo.Info[0].Num == 3, "%+v", g.UserInfo)
		must(t, strings.HasSuffix(g.UserInfo.PDFURL, "/_files/"+code+".pdf"), "pdf_url %s", g.UserInfo.PDFURL)
		d := e.post("/card/code/decrypt", tok(oa), map[string]any{"encrypt_code": inv.EncryptCode})
		wantErrcode(t, d, 0)
		must(t, d.str("code") == code, "decrypt %s", d.Body)
		wantErrcode(t, e.post("/card/code/decrypt", tok(oa), map[string]any{"encrypt_code": "nope"}), 40056)
	})
	t.Run("duplicate code and number is 72042", func(t *testing.T) {
		wantErrcode(t, insert(data("12345678", "044031900111"), nil), 72042)
	})
	t.Run("lengths outside the classes are 72043", func(t *testing.T) {
		for _, c := range [][2]string{{"4545145712", "4541212454512"}, {"1234567", "044031900111"}, {"", ""},
			{"12345678", "87654321"}, {"1234567890123456789", ""}, {"1234567a", "044031900111"}} {
			wantErrcode(t, insert(data(c[0], c[1]), nil), 72043)
		}
		wantErrcode(t, insert(data("25442000000000123456", ""), nil), 0) // 数电
		wantErrcode(t, insert(data("044031900111", "87654321"), nil), 0) // old convention
	})
	t.Run("an owner WeChat never authorised is 72038", func(t *testing.T) {
		wantErrcode(t, insert(data("87654322", "044031900111"), map[string]any{"openid": "oNobody"}), 72038)
	})
	t.Run("a WeCom member's wallet", func(t *testing.T) {
		r := insert(data("87654323", "044031900111"), map[string]any{"openid": demo("emp-wang").WorkOpenID})
		wantErrcode(t, r, 0)
		found := false
		for _, it := range e.wallet(demo("emp-wang").WorkOpenID) {
			found = found || (it.Code == r.str("code") && it.Channel == "work")
		}
		must(t, found, "not in the WeCom wallet")
	})
	_ = url.Values{}
}
