package service_test

import (
	"net/http"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

const (
	blueNumber = "26442000000012340001"
	bankNumber = "26442000000012340002"
)

func uploadOK(t *testing.T, c *testkit.Client, files ...testkit.File) testkit.Response {
	t.Helper()
	res := c.Upload("/api/v1/invoices/upload", nil, files...)
	if res.Status != http.StatusOK {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	return res
}

// outcomes maps each file to its outcome.
func outcomes(t *testing.T, res testkit.Response) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range res.JSON["files"].([]any) {
		m := f.(map[string]any)
		out[m["file"].(string)] = m["outcome"].(string)
	}
	return out
}

func failures(res testkit.Response) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, f := range res.JSON["failed"].([]any) {
		m := f.(map[string]any)
		out[m["file"].(string)] = m["error"].(map[string]any)
	}
	return out
}

func TestUploadFilesOneIdentity(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li := a.Login(t, "emp-li")
		blue := testkit.DigitalXML(blueNumber, "100.00", "6.00", "106.00", "演示科技有限公司")
		other := testkit.DigitalXML(bankNumber, "50.00", "3.00", "53.00", "演示科技有限公司")
		res := uploadOK(t, li,
			testkit.File{Name: "餐费.xml", Data: blue},
			testkit.File{Name: "other.xml", Data: other},
			testkit.File{Name: "notes.txt", Data: []byte("not an invoice")})
		if got := outcomes(t, res); got["餐费.xml"] != "imported" || got["other.xml"] != "imported" || got["notes.txt"] != "unreadable" {
			t.Fatalf("outcomes %v: %s", got, res.Body)
		}
		if e := failures(res)["notes.txt"]; e["code"] != "invoice.unreadable" {
			t.Fatalf("notes.txt: %v", e)
		}
		imported := listOf(t, res, "imported")
		if len(imported) != 2 {
			t.Fatalf("imported %s", res.Body)
		}
		inv := imported[0]
		if inv["source"] != "upload" || inv["channel"] != nil || inv["card_id"] != nil || inv["wechat_status"] != nil ||
			inv["invoice_number"] != blueNumber || inv["invoice_code"] != "" || inv["amount"] != "106.00" ||
			inv["amount_without_tax"] != "100.00" || inv["needs_review"] != false {
			t.Fatalf("file invoice %v", inv)
		}
		orig, _ := inv["original"].(map[string]any)
		if orig["media_type"] != "application/xml" || orig["source"] != "upload" || orig["name"] != "餐费.xml" {
			t.Fatalf("original %v", inv["original"])
		}
		if got := li.Do(http.MethodGet, "/api/v1/invoices/"+inv["id"].(string)+"/original", nil); string(got.Body) != string(blue) {
			t.Fatalf("original bytes differ: %d", got.Status)
		}

		// The same paper again from its owner, as other bytes: attached.
		again := uploadOK(t, li, testkit.File{Name: "copy.xml", Data: append(append([]byte{}, blue...), '\n')})
		if got := outcomes(t, again); got["copy.xml"] != "attached" {
			t.Fatalf("again %s", again.Body)
		}
		if got := li.Do(http.MethodGet, "/api/v1/invoices/"+inv["id"].(string), nil).JSON; len(got["originals"].([]any)) != 2 {
			t.Fatalf("originals %v", got["originals"])
		}
		// Anyone else: a duplicate naming who holds it; nothing stored.
		wang := a.Login(t, "emp-wang")
		dup := uploadOK(t, wang, testkit.File{Name: "mine.xml", Data: blue})
		if e := failures(dup)["mine.xml"]; e["code"] != "invoice.duplicate" || e["details"].(map[string]any)["imported_by"] != "李娜" {
			t.Fatalf("duplicate %s", dup.Body)
		}
		if len(listOf(t, dup, "imported")) != 0 {
			t.Fatalf("wang got an invoice: %s", dup.Body)
		}

		// A report of file invoices goes through without WeChat.
		report := createReport(t, li, imported)
		act(t, li, report, "submit", nil, http.StatusOK)
		approved := act(t, a.Login(t, "mgr-zhao"), report, "approve", nil, http.StatusOK).JSON
		if approved["status"] != "approved" || approved["sync"].(map[string]any)["state"] != "synced" || a.Pending(t) != 0 {
			t.Fatalf("approved %v, pending %d", approved["sync"], a.Pending(t))
		}
		// Finance sees where each came from.
		rows := a.Login(t, "fin-chen").Do(http.MethodGet, "/api/v1/finance/invoices?date_field=imported_on&from=2000-01-01&to=2100-01-01&q="+blueNumber, nil)
		if items, _ := rows.JSON["items"].([]any); rows.Status != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["source"] != "upload" {
			t.Fatalf("finance rows: %d %s", rows.Status, rows.Body)
		}
		// Nothing of this went to WeChat.
		if calls := a.Sandbox(t, http.MethodGet, "/_control/calls?path=updatestatus", nil); len(calls.JSON["items"].([]any)) != 0 {
			t.Fatalf("WeChat was called: %s", calls.Body)
		}
	})
}

func TestUploadRedAndNeedsReview(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li := a.Login(t, "emp-li")
		blue := listOf(t, uploadOK(t, li, testkit.File{Name: "blue.xml",
			Data: testkit.DigitalXML(blueNumber, "100.00", "6.00", "106.00", "演示科技有限公司")}), "imported")[0]
		red := uploadOK(t, li, testkit.File{Name: "red.xml", Data: testkit.RedDigitalXML("26442000000099990001", blueNumber)})
		e := failures(red)["red.xml"]
		if e["code"] != "invoice.red" || e["details"].(map[string]any)["cancelled_invoice_id"] != blue["id"] {
			t.Fatalf("red %s", red.Body)
		}
		got := li.Do(http.MethodGet, "/api/v1/invoices/"+blue["id"].(string), nil).JSON
		if got["cancelled"] != true {
			t.Fatalf("the blue invoice is not cancelled: %v", got)
		}
		res := li.Do(http.MethodPost, "/api/v1/reports", map[string]any{"title": "x", "invoice_ids": []string{blue["id"].(string)}})
		if res.Status != http.StatusConflict || res.ErrorCode() != "invoice.cancelled" {
			t.Fatalf("a cancelled invoice joined a report: %d %s", res.Status, res.Body)
		}

		// A legacy QR gives the amount without tax only: needs review.
		qr := uploadOK(t, li, testkit.File{Name: "qr.png", Data: testkit.QRImage(t, "044031900111", "00001234", "100.00", "20261008", "12345678901234567890")})
		inv := listOf(t, qr, "imported")[0]
		if inv["needs_review"] != true || inv["invoice_code"] != "044031900111" || inv["invoice_number"] != "00001234" {
			t.Fatalf("qr invoice %v", inv)
		}
		report := createReport(t, li, []map[string]any{inv})
		if res := act(t, li, report, "submit", nil, http.StatusUnprocessableEntity); res.ErrorCode() != "invoice.needs_review" {
			t.Fatalf("submit: %s", res.Body)
		}
		// Bad input changes nothing.
		for _, body := range []map[string]any{{"amount": 106.0}, {"amount": "-1.00"}, {"issued_on": "2026/10/08"}, {"invoice_number": "12AB"}} {
			if res := li.Do(http.MethodPatch, "/api/v1/invoices/"+inv["id"].(string), body); res.Status/100 != 4 {
				t.Fatalf("PATCH %v: %d %s", body, res.Status, res.Body)
			}
		}
		if res := a.Login(t, "emp-wang").Do(http.MethodPatch, "/api/v1/invoices/"+inv["id"].(string), map[string]any{"amount": "106.00"}); res.Status != http.StatusNotFound {
			t.Fatalf("another employee completed it: %d", res.Status)
		}
		done := li.Do(http.MethodPatch, "/api/v1/invoices/"+inv["id"].(string), map[string]any{"amount": "106.00", "tax": "6.00"})
		if done.Status != http.StatusOK || done.JSON["needs_review"] != false || done.JSON["amount"] != "106.00" {
			t.Fatalf("complete: %d %s", done.Status, done.Body)
		}
		act(t, li, report, "submit", nil, http.StatusOK)
		// A completed number someone holds is a duplicate.
		other := listOf(t, uploadOK(t, li, testkit.File{Name: "qr2.png", Data: testkit.QRImage(t, "044031900111", "00005678", "10.00", "20261008", "12345678901234567890")}), "imported")[0]
		if res := li.Do(http.MethodPatch, "/api/v1/invoices/"+other["id"].(string), map[string]any{"invoice_number": "00001234"}); res.ErrorCode() != "invoice.duplicate" {
			t.Fatalf("completing to a held number: %d %s", res.Status, res.Body)
		}
	})
}
