package service_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// TestMailboxEndToEnd is issue 16's check with the real intake service:
// a mail with two invoice attachments, sent to emp-li's own address,
// becomes two mail invoices of emp-li and moves to Processed; a mail to
// nobody moves to Unmatched and is listed to admins, not to others.
func TestMailboxEndToEnd(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		dv := testkit.StartDovecot(t)
		a := testkit.App(t, db, testkit.WithEnv(
			"BAOXIAO_INTAKE_IMAP_URL=imap://"+dv.Addr, "BAOXIAO_INTAKE_IMAP_USERNAME="+dv.User,
			"BAOXIAO_INTAKE_IMAP_PASSWORD="+dv.Password, "BAOXIAO_INTAKE_IMAP_ADDRESS=fapiao@corp.example",
			"BAOXIAO_INTAKE_IMAP_POLL_INTERVAL=200ms",
		))
		li := a.Login(t, "emp-li")
		me := li.Do(http.MethodGet, "/api/v1/me", nil)
		addr, _ := me.JSON["intake_address"].(string)
		if len(addr) != len("fapiao+123456789012@corp.example") || addr[:7] != "fapiao+" {
			t.Fatalf("intake address %q: %s", addr, me.Body)
		}
		wang := a.Login(t, "emp-wang").Do(http.MethodGet, "/api/v1/me", nil).JSON["intake_address"]
		if wang == addr {
			t.Fatal("two employees share an address")
		}

		dv.Deliver(t, "INBOX", testkit.InvoiceMail("march", "李雷 <"+addr+">", "seller@example.com",
			testkit.File{Name: "餐费.xml", Data: testkit.DigitalXML("26442000000077770001", "100.00", "6.00", "106.00", "演示科技有限公司")},
			testkit.File{Name: "打车.xml", Data: testkit.DigitalXML("26442000000077770002", "20.00", "0.60", "20.60", "演示科技有限公司")}))
		dv.Deliver(t, "INBOX", testkit.InvoiceMail("stranger", "fapiao@corp.example", "someone@example.com",
			testkit.File{Name: "x.xml", Data: testkit.DigitalXML("26442000000077770003", "1.00", "0.00", "1.00", "演示科技有限公司")}))

		deadline := time.Now().Add(20 * time.Second)
		for !slices.Equal(dv.Subjects(t, "Processed"), []string{"march"}) || len(dv.Subjects(t, "Unmatched")) != 1 {
			if time.Now().After(deadline) {
				t.Fatalf("mail not moved: inbox %v, processed %v, unmatched %v",
					dv.Subjects(t, "INBOX"), dv.Subjects(t, "Processed"), dv.Subjects(t, "Unmatched"))
			}
			time.Sleep(100 * time.Millisecond)
		}
		if got := dv.Subjects(t, "INBOX"); len(got) != 0 {
			t.Fatalf("inbox still holds %v", got)
		}

		items, _ := li.Do(http.MethodGet, "/api/v1/invoices", nil).JSON["items"].([]any)
		numbers := map[string]bool{}
		for _, it := range items {
			inv := it.(map[string]any)
			if inv["source"] == "mail" {
				numbers[inv["invoice_number"].(string)] = true
				if o, _ := inv["original"].(map[string]any); o["source"] != "mail" {
					t.Fatalf("original %v", inv["original"])
				}
			}
		}
		if len(numbers) != 2 || !numbers["26442000000077770001"] || !numbers["26442000000077770002"] {
			t.Fatalf("emp-li's mail invoices: %v", numbers)
		}

		admin := a.Login(t, "admin")
		res := admin.Do(http.MethodGet, "/api/v1/admin/mailbox/unmatched", nil)
		list, _ := res.JSON["items"].([]any)
		if res.Status != http.StatusOK || len(list) != 1 {
			t.Fatalf("unmatched: %d %s", res.Status, res.Body)
		}
		u := list[0].(map[string]any)
		if u["subject"] != "stranger" || u["from"] != "someone@example.com" || u["reason"] != "no_address" || u["message_id"] != "<stranger@test>" {
			t.Fatalf("unmatched mail %v", u)
		}
		if res := li.Do(http.MethodGet, "/api/v1/admin/mailbox/unmatched", nil); res.Status != http.StatusForbidden {
			t.Fatalf("an employee saw the unmatched mail: %d", res.Status)
		}
	})
}

// TestAdminSetsEmail: the admin sets an employee's email (checked, stored
// in lower case) and sees the intake address; bad input changes nothing.
func TestAdminSetsEmail(t *testing.T) {
	a := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker(), testkit.WithEnv("BAOXIAO_INTAKE_IMAP_ADDRESS=fapiao@corp.example"))
	admin := a.Login(t, "admin")
	cur := admin.Do(http.MethodGet, "/api/v1/admin/employees/emp-li", nil).JSON
	if cur["email"] != "" || cur["intake_address"] == nil {
		t.Fatalf("before: %v", cur)
	}
	res := admin.Do(http.MethodPatch, "/api/v1/admin/employees/emp-li", map[string]any{"version": cur["version"], "email": "not an address"})
	if res.Status != http.StatusBadRequest || res.ErrorCode() != "request.invalid" {
		t.Fatalf("bad email: %d %s", res.Status, res.Body)
	}
	res = admin.Do(http.MethodPatch, "/api/v1/admin/employees/emp-li", map[string]any{"version": cur["version"], "email": " Li.Lei@Example.COM "})
	if res.Status != http.StatusOK || res.JSON["email"] != "li.lei@example.com" || res.JSON["intake_address"] != cur["intake_address"] {
		t.Fatalf("set email: %d %s", res.Status, res.Body)
	}
	// The demo seeding (Ensure, at every start) keeps both.
	if _, err := a.Svc.Directory.Ensure(context.Background(), domain.EmployeeData{ID: "emp-li", Name: "李雷"}); err != nil {
		t.Fatal(err)
	}
	again := admin.Do(http.MethodGet, "/api/v1/admin/employees/emp-li", nil).JSON
	if again["email"] != "li.lei@example.com" || again["intake_address"] != cur["intake_address"] {
		t.Fatalf("after Ensure: %v", again)
	}
}
