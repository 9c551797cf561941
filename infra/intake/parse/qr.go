package parse

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // QR images in PDFs and OFDs
	_ "image/png"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/baoxiao/baoxiao/domain"
)

// qrKinds maps the QR's kind field to our kinds (einvoice-formats.md §3).
// amountWithTax says what the amount field means for that kind.
var qrKinds = map[string]struct {
	kind          domain.InvoiceKind
	digital       bool
	amountWithTax bool
}{
	"01": {domain.KindVATSpecial, false, false},
	"04": {domain.KindVATNormal, false, false},
	"08": {domain.KindVATESpecial, false, false},
	"10": {domain.KindVATENormal, false, false},
	"31": {domain.KindDigitalSpecial, true, true},
	"32": {domain.KindDigitalNormal, true, true},
}

// qrFields is the invoice QR layout:
// 01,<kind>,<code>,<number>,<amount>,<yyyymmdd>,<check code>,<4 hex>[,]
type qrFields struct {
	Kind, Code, Number, Amount, Date, Check string
}

func splitQR(text string) (qrFields, bool) {
	f := strings.Split(strings.TrimSpace(text), ",")
	if len(f) < 7 || f[0] != "01" || f[1] == "" {
		return qrFields{}, false
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	return qrFields{Kind: f[1], Code: f[2], Number: f[3], Amount: f[4], Date: f[5], Check: f[6]}, true
}

// applyQR fills r from QR text. It reports whether the text was an invoice QR.
func (r *Result) applyQR(src, text string) bool {
	q, ok := splitQR(text)
	if !ok {
		return false
	}
	if r.QR == "" {
		r.QR = strings.TrimSpace(text)
	}
	s := r.from(src)
	k, known := qrKinds[q.Kind]
	switch {
	case known && k.digital:
		if q.Code == "" {
			s.digitalID(q.Number)
		}
	case known:
		s.legacyID(q.Code, q.Number)
	case q.Code == "" && q.Number != "":
		// An unmapped kind with a 20-digit number (51, 83 …): kept whole,
		// never split, and not claimed as 数电; the shape check asks review.
		s.legacyID("", q.Number)
	default:
		s.legacyID(q.Code, q.Number)
	}
	if known {
		s.kind(q.Kind, k.kind)
		if k.amountWithTax {
			s.money(FieldTotal, &r.Total, q.Amount)
		} else {
			s.money(FieldWithoutTax, &r.WithoutTax, q.Amount)
		}
	} else {
		s.kind(q.Kind, domain.KindOther)
	}
	s.date(q.Date)
	s.checkCode(q.Check)
	return true
}

// parseImage reads a bare QR image.
func parseImage(data []byte) (*Result, error) {
	text, err := decodeQR(data)
	if err != nil {
		return nil, err
	}
	r := &Result{Format: FormatImage}
	if !r.applyQR("qr", text) {
		return nil, fmt.Errorf("%w: the QR code is not an invoice QR (%.40q)", ErrNoInvoice, text)
	}
	return r, nil
}

// decodeQR decodes a QR code from a PNG or JPEG. Tiny codes (a 37×37 px
// JPEG, one pixel per module) are upscaled and given a quiet zone first.
func decodeQR(data []byte) (string, error) {
	img, err := decodeImage(data)
	if err != nil {
		return "", err
	}
	if text, ok := qrFromImage(img); ok {
		return text, nil
	}
	return "", fmt.Errorf("%w: no readable QR code in the image", ErrNoInvoice)
}

// maxImagePixels bounds what an image may expand to (a PNG of a few KiB
// can claim 50 000 × 50 000 pixels).
const maxImagePixels = 25_000_000

func decodeImage(data []byte) (image.Image, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: image: %v", ErrCorrupt, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxImagePixels {
		return nil, fmt.Errorf("%w: image of %d×%d pixels", ErrNoInvoice, cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: image: %v", ErrCorrupt, err)
	}
	return img, nil
}

func qrFromImage(img image.Image) (text string, ok bool) {
	defer func() {
		if recover() != nil {
			text, ok = "", false
		}
	}()
	b := img.Bounds()
	if b.Dx() < 21 || b.Dy() < 21 || b.Dx() > 4000 || b.Dy() > 4000 {
		return "", false
	}
	tries := []image.Image{img}
	scale := 1
	if m := min(b.Dx(), b.Dy()); m < 300 {
		scale = (300 + m - 1) / m
	}
	tries = append(tries, padScale(img, scale, 8))
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	for _, im := range tries {
		bmp, err := gozxing.NewBinaryBitmapFromImage(im)
		if err != nil {
			continue
		}
		res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
		if err == nil {
			return res.GetText(), true
		}
	}
	return "", false
}

// padScale upscales img by an integer factor (nearest neighbour) onto a
// white canvas with a border of pad scaled pixels (a QR quiet zone).
func padScale(img image.Image, scale, pad int) image.Image {
	b := img.Bounds()
	w, h := b.Dx()*scale+2*pad*scale, b.Dy()*scale+2*pad*scale
	out := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			c := color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray)
			if _, _, _, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA(); a == 0 {
				c = color.Gray{Y: 255} // transparent is background
			}
			for dy := 0; dy < scale; dy++ {
				row := (pad*scale + y*scale + dy) * out.Stride
				for dx := 0; dx < scale; dx++ {
					out.Pix[row+pad*scale+x*scale+dx] = c.Y
				}
			}
		}
	}
	return out
}
