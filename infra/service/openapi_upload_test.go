package service_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// multipartBody is an ERP's upload: employee_id and files.
func multipartBody(t *testing.T, employee string, files ...testkit.File) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if employee != "" {
		_ = mw.WriteField("employee_id", employee)
	}
	for _, f := range files {
		w, err := mw.CreateFormFile("files", f.Name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(f.Data)
	}
	_ = mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

func TestOpenAPIUploadFiles(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		erp := newERP(t, a, "用友")
		xml := testkit.File{Name: "erp.xml", Data: testkit.DigitalXML(blueNumber, "100.00", "6.00", "106.00", "演示科技有限公司")}
		body, ct := multipartBody(t, "emp-li", xml)
		send := func(body []byte, key string, tamper bool) testkit.Response {
			return erp.send(signedReq{method: http.MethodPost, target: "/open/v1/invoices/upload", body: body,
				contentType: ct, idemKey: key, tamper: tamper})
		}
		if res := send(body, "up-1", true); res.Status != http.StatusUnauthorized {
			t.Fatalf("a tampered signature: %d %s", res.Status, res.Body)
		}
		res := send(body, "up-1", false)
		if res.Status != http.StatusOK {
			t.Fatalf("upload: %d %s", res.Status, res.Body)
		}
		imported := listOf(t, res, "imported")
		if len(imported) != 1 || imported[0]["source"] != "erp" || imported[0]["invoice_number"] != blueNumber {
			t.Fatalf("imported %s", res.Body)
		}
		if again := send(body, "up-1", false); again.JSON["__replayed"] != true {
			t.Fatalf("the same key again was not replayed: %s", again.Body)
		}
		// Bad input: no employee, an unknown one; nothing is stored.
		for _, emp := range []string{"", "emp-nobody"} {
			b, _ := multipartBody(t, emp, testkit.File{Name: "x.xml", Data: testkit.DigitalXML("26442000000012349999", "1.00", "0.00", "1.00", "演示科技有限公司")})
			if res := send(b, "bad-"+emp, false); res.Status != http.StatusBadRequest || res.ErrorCode() != "request.invalid" {
				t.Fatalf("employee %q: %d %s", emp, res.Status, res.Body)
			}
		}
		// A file invoice has no WeChat card to update.
		st := erp.call(http.MethodPost, "/open/v1/invoices/status", map[string]any{"invoice_ids": []any{imported[0]["id"]}, "status": "LOCK"}, "st-1")
		if st.Status != http.StatusConflict || st.ErrorCode() != "invoice.no_wechat" {
			t.Fatalf("status of a file invoice: %d %s", st.Status, st.Body)
		}
		// The employee's own upload of the same file attaches to it.
		li := a.Login(t, "emp-li")
		if got := outcomes(t, uploadOK(t, li, xml)); got["erp.xml"] != "attached" {
			t.Fatalf("the employee's upload: %v", got)
		}
	})
}
