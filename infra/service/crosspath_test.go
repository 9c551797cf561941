package service_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/baoxiao/baoxiao/app/intake"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/service"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// pdfOf is a PDF of a wallet item's paper (billing_code + billing_no in
// its QR code), as the issuer's e-mail would bring it.
func pdfOf(t *testing.T, w map[string]any) []byte {
	return testkit.QRPDF(t, w["billing_code"].(string), w["billing_no"].(string), "100.00", "20261008", "12345678901234567890")
}

func TestWalletThenFile(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li := a.Login(t, "emp-li")
		w := wallet(t, a, me(t, li)["openid"].(string))[0]
		inv := importN(t, a, li, 1)[0]
		res := uploadOK(t, li, testkit.File{Name: "invoice.pdf", Data: pdfOf(t, w)})
		if got := outcomes(t, res); got["invoice.pdf"] != "attached" {
			t.Fatalf("the owner's file of a wallet invoice: %s", res.Body)
		}
		got := li.Do(http.MethodGet, "/api/v1/invoices/"+inv["id"].(string), nil).JSON
		if got["source"] != "wallet" || len(got["originals"].([]any)) != 1 {
			t.Fatalf("wallet invoice after the file: %v", got)
		}
		dup := uploadOK(t, a.Login(t, "emp-wang"), testkit.File{Name: "invoice.pdf", Data: pdfOf(t, w)})
		if e := failures(dup)["invoice.pdf"]; e["code"] != "invoice.duplicate" {
			t.Fatalf("another employee's file of it: %s", dup.Body)
		}
	})
}

func TestFileThenWalletJoins(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li := a.Login(t, "emp-li")
		w := wallet(t, a, me(t, li)["openid"].(string))[0]
		file := listOf(t, uploadOK(t, li, testkit.File{Name: "invoice.pdf", Data: pdfOf(t, w)}), "imported")[0]
		if file["needs_review"] != true { // a kind-10 QR has no total
			t.Fatalf("file invoice %v", file)
		}
		li.Do(http.MethodPatch, "/api/v1/invoices/"+file["id"].(string), map[string]any{"amount": "106.00"})
		report := createReport(t, li, []map[string]any{file})
		act(t, li, report, "submit", nil, http.StatusOK)
		act(t, a.Login(t, "mgr-zhao"), report, "approve", nil, http.StatusOK)

		// Another owner's card of the same paper is a duplicate.
		wang := a.Login(t, "emp-wang")
		theirs := a.Sandbox(t, http.MethodPost, "/_control/invoices", map[string]any{
			"owner_openid": me(t, wang)["openid"], "channel": me(t, wang)["channel"], "billing_no": w["billing_no"], "billing_code": w["billing_code"],
		})
		if theirs.Status != http.StatusOK {
			t.Fatalf("their card: %d %s", theirs.Status, theirs.Body)
		}
		res := importCards(wang, card(theirs.JSON))
		if codes := failedCodes(t, res); codes[theirs.JSON["encrypt_code"].(string)] != "invoice.duplicate" {
			t.Fatalf("another owner's card: %s", res.Body)
		}

		// The owner's card joins the file invoice, and WeChat is driven to
		// what the approved report decided: CLOSURE (locked first).
		res = importCards(li, card(w))
		joined := listOf(t, res, "imported")
		if len(joined) != 1 || joined[0]["id"] != file["id"] || joined[0]["channel"] != "oa" || joined[0]["source"] != "upload" {
			t.Fatalf("join: %s", res.Body)
		}
		if a.Pending(t) != 1 {
			t.Fatalf("pending %d, want the card's CLOSURE queued", a.Pending(t))
		}
		a.RunOutbox(t)
		if got := sandboxStatus(t, a, joined[0]); got != "CLOSURE" {
			t.Fatalf("the joined card is %s in WeChat", got)
		}
	})
}

// Two employees upload the same XML at the same moment: both pass every
// lookup before either stores (forced by a barrier in the lookup), and the
// database's identity decides: one invoice, one duplicate.
func TestSameXMLRaceForced(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		barrier := &lookupBarrier{n: 2}
		barrier.cond = sync.NewCond(&barrier.mu)
		a := testkit.App(t, db, testkit.WithoutWorker(), testkit.WithService(func(o *service.Options) {
			o.IntakeInvoices = func(s intake.InvoiceStore) intake.InvoiceStore { barrier.InvoiceStore = s; return barrier }
		}))
		st, svc := a.Svc.Store, a.Svc.Intake
		xml := testkit.DigitalXML(blueNumber, "100.00", "6.00", "106.00", "演示科技有限公司")
		results := make([][]intake.FileResult, 2)
		var wg sync.WaitGroup
		for i, who := range []domain.EmployeeID{"emp-li", "emp-wang"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rs, err := svc.Import(context.Background(), who, domain.SourceUpload, []intake.File{{Name: "same.xml", Data: xml}})
				if err != nil {
					t.Error(err)
				}
				results[i] = rs
			}()
		}
		wg.Wait()
		got := []string{string(results[0][0].Outcome), string(results[1][0].Outcome)}
		if strings.Join(got, ",") != "imported,duplicate" && strings.Join(got, ",") != "duplicate,imported" {
			t.Fatalf("outcomes %v", got)
		}
		if _, err := st.Invoices.ByBusinessID(context.Background(), domain.BusinessID{Number: blueNumber}); err != nil {
			t.Fatal(err)
		}
	})
}

// lookupBarrier holds each identity lookup until n callers have made one.
type lookupBarrier struct {
	intake.InvoiceStore
	mu      sync.Mutex
	cond    *sync.Cond
	arrived int
	n       int
}

func (b *lookupBarrier) ByBusinessID(ctx context.Context, id domain.BusinessID) (*domain.Invoice, error) {
	b.mu.Lock()
	b.arrived++
	b.cond.Broadcast()
	for b.arrived < b.n {
		b.cond.Wait()
	}
	b.mu.Unlock()
	return b.InvoiceStore.ByBusinessID(ctx, id)
}
