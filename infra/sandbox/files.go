package sandbox

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// GET /_files/{code}.pdf and /_files/{code}-trip.pdf: a small, valid PDF
// standing in for the issuer's invoice (pdf_url) or trip receipt
// (trip_pdf_url), so importers can download something real.
func (s *Sandbox) handleFile(c *fiber.Ctx) error {
	name := c.Params("name")
	code, ok := strings.CutSuffix(name, ".pdf")
	if !ok {
		return c.SendStatus(fiber.StatusNotFound)
	}
	code, trip := strings.CutSuffix(code, "-trip")
	var r invoiceRow
	err := s.db.NewSelect().Model(&r).Where("code = ?", code).Scan(c.UserContext())
	if errors.Is(err, sql.ErrNoRows) {
		return c.SendStatus(fiber.StatusNotFound)
	}
	if err != nil {
		return err
	}
	title := "Sandbox e-invoice"
	if trip {
		title = "Sandbox trip receipt"
	}
	lines := []string{
		title,
		"Invoice code: " + r.BillingCode,
		"Invoice number: " + r.BillingNo,
		"Amount: CNY " + yuan(r.Fee),
		"Card code: " + r.Code,
		"Not a real invoice.",
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="`+name+`"`)
	return c.Send(tinyPDF(lines))
}

// tinyPDF writes a one-page PDF 1.4 with the ASCII lines in Helvetica and
// a correct cross-reference table.
func tinyPDF(lines []string) []byte {
	var content bytes.Buffer
	content.WriteString("BT /F1 14 Tf 50 370 Td 18 TL\n")
	for _, l := range lines {
		content.WriteString("(" + pdfEscape(l) + ") Tj T*\n")
	}
	content.WriteString("ET\n")
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 420] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

func pdfEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 32 || r > 126:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
