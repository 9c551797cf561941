package testkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	qrgen "github.com/skip2/go-qrcode"
)

// Synthetic invoice files for intake tests: invented companies and
// numbers. Real samples are read in place by the parser's corpus test and
// never copied here (DECISIONS 35).

// DigitalXML is a blue 数电 invoice XML: 20-digit number, totals with tax.
func DigitalXML(number, withoutTax, tax, total, buyer string) []byte {
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<EInvoice>
  <Header>
    <EIid>%[1]s</EIid>
    <InherentLabel>
      <InIssuType><LabelCode>Y</LabelCode><LabelName>是否蓝字发票标志</LabelName></InIssuType>
      <GeneralOrSpecialVAT><LabelCode>02</LabelCode><LabelName>普通发票</LabelName></GeneralOrSpecialVAT>
    </InherentLabel>
  </Header>
  <EInvoiceData>
    <SellerInformation><SellerIdNum>91110000TESTSELL01</SellerIdNum><SellerName>测试餐饮有限公司</SellerName></SellerInformation>
    <BuyerInformation><BuyerIdNum>91440300MA5DEMO001</BuyerIdNum><BuyerName>%[5]s</BuyerName></BuyerInformation>
    <BasicInformation>
      <TotalAmWithoutTax>%[2]s</TotalAmWithoutTax>
      <TotalTaxAm>%[3]s</TotalTaxAm>
      <TotalTax-includedAmount>%[4]s</TotalTax-includedAmount>
      <RequestTime>2026-10-08</RequestTime>
    </BasicInformation>
    <IssuItemInformation>
      <ItemName>*餐饮服务*餐费</ItemName><Quantity>1</Quantity><UnPrice>%[2]s</UnPrice>
      <Amount>%[2]s</Amount><TaxRate>6%%</TaxRate><ComTaxAm>%[3]s</ComTaxAm>
    </IssuItemInformation>
  </EInvoiceData>
  <TaxSupervisionInfo><InvoiceNumber>%[1]s</InvoiceNumber><IssueTime>2026-10-08 09:30:00</IssueTime></TaxSupervisionInfo>
</EInvoice>`, number, withoutTax, tax, total, buyer)
}

// RedDigitalXML is a red 数电 invoice cancelling the blue one numbered
// original.
func RedDigitalXML(number, original string) []byte {
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<EInvoice>
  <Header>
    <EIid>%[1]s</EIid>
    <InherentLabel>
      <InIssuType><LabelCode>N</LabelCode><LabelName>是否蓝字发票标志</LabelName></InIssuType>
      <GeneralOrSpecialVAT><LabelCode>02</LabelCode><LabelName>普通发票</LabelName></GeneralOrSpecialVAT>
    </InherentLabel>
  </Header>
  <EInvoiceData>
    <SellerInformation><SellerIdNum>91110000TESTSELL01</SellerIdNum><SellerName>测试餐饮有限公司</SellerName></SellerInformation>
    <BuyerInformation><BuyerIdNum>91440300MA5DEMO001</BuyerIdNum><BuyerName>演示科技有限公司</BuyerName></BuyerInformation>
    <BasicInformation>
      <TotalAmWithoutTax>-100.00</TotalAmWithoutTax><TotalTaxAm>-6.00</TotalTaxAm>
      <TotalTax-includedAmount>-106.00</TotalTax-includedAmount>
      <RequestTime>2026-10-09</RequestTime>
    </BasicInformation>
    <SpecificInformation><RedEInvoice><OriginalInvoiceNumber>%[2]s</OriginalInvoiceNumber></RedEInvoice></SpecificInformation>
  </EInvoiceData>
  <TaxSupervisionInfo><InvoiceNumber>%[1]s</InvoiceNumber><IssueTime>2026-10-09 09:30:00</IssueTime></TaxSupervisionInfo>
</EInvoice>`, number, original)
}

// QRImage is a PNG of an invoice QR code: kind 10 (电子普票, the amount
// without tax) for a code and number, as printed on legacy invoices.
func QRImage(t testing.TB, code, number, withoutTax, yyyymmdd, check string) []byte {
	t.Helper()
	text := fmt.Sprintf("01,10,%s,%s,%s,%s,%s,A1B2,", code, number, withoutTax, yyyymmdd, check)
	q, err := qrgen.New(text, qrgen.Medium)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, q.Image(256)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// QRPDF is a one-page PDF holding the QR image, as a scanned or printed
// legacy e-invoice is: the identity is read from the QR.
func QRPDF(t testing.TB, code, number, withoutTax, yyyymmdd, check string) []byte {
	t.Helper()
	var buf bytes.Buffer
	img := QRImage(t, code, number, withoutTax, yyyymmdd, check)
	if err := api.ImportImages(nil, &buf, []io.Reader{bytes.NewReader(img)}, nil, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// File is one file of an upload.
type File struct {
	Name string
	Data []byte
}

// Upload posts files as multipart/form-data in the field "files", with
// extra request headers (Origin, Sec-Fetch-Site) where given.
func (c *Client) Upload(path string, headers map[string]string, files ...File) Response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range files {
		w, err := mw.CreateFormFile("files", f.Name)
		if err != nil {
			c.t.Fatal(err)
		}
		_, _ = w.Write(f.Data)
	}
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, c.base+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := Response{Status: res.StatusCode, Body: b, Header: res.Header}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(b, &out.JSON)
	}
	return out
}
