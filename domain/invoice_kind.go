package domain

import "strings"

// InvoiceKind is our classification of WeChat's free-text invoice type.
type InvoiceKind string

// The kinds of shared/API.md.
const (
	KindVATSpecial     InvoiceKind = "vat_special"     // 增值税专用发票 (paper)
	KindVATNormal      InvoiceKind = "vat_normal"      // 增值税普通发票 (paper)
	KindVATESpecial    InvoiceKind = "vat_e_special"   // 增值税电子专用发票
	KindVATENormal     InvoiceKind = "vat_e_normal"    // 增值税电子普通发票
	KindDigitalSpecial InvoiceKind = "digital_special" // 数电专票
	KindDigitalNormal  InvoiceKind = "digital_normal"  // 数电普票
	KindOther          InvoiceKind = "other"
)

// KindOf maps WeChat's `type` text to a kind. The digital (数电/全电)
// invoices are recognised by their name or by a 20-digit number with no
// code, because issuers label them inconsistently ("电子发票（普通发票）").
func KindOf(rawType string, id BusinessID) InvoiceKind {
	t := strings.NewReplacer(" ", "", "(", "（", ")", "）").Replace(rawType)
	special := strings.Contains(t, "专用") || strings.Contains(t, "专票")
	normal := strings.Contains(t, "普通") || strings.Contains(t, "普票")
	digital := id.Digital() || strings.Contains(t, "数电") || strings.Contains(t, "全电") ||
		strings.HasPrefix(t, "电子发票（")
	switch {
	case digital && special:
		return KindDigitalSpecial
	case digital && normal:
		return KindDigitalNormal
	case digital:
		return KindOther // e.g. 电子发票（铁路电子客票）
	case !strings.Contains(t, "增值税"):
		return KindOther
	case strings.Contains(t, "电子") && special:
		return KindVATESpecial
	case strings.Contains(t, "电子") && normal:
		return KindVATENormal
	case special:
		return KindVATSpecial
	case normal:
		return KindVATNormal
	}
	return KindOther
}
