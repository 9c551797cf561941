package domain

// BusinessID is an invoice's identity on paper: 发票代码 + 发票号码. It is
// unique across the company, whoever imports the invoice and however. 数电
// (全电) invoices have a 20-digit number and no code.
type BusinessID struct {
	Code   string
	Number string
}

// Digital reports whether this is a 数电 invoice (20-digit number, no code).
func (b BusinessID) Digital() bool { return b.Code == "" && len(b.Number) == 20 && allDigits(b.Number) }

func (b BusinessID) String() string {
	if b.Code == "" {
		return b.Number
	}
	return b.Code + "-" + b.Number
}

type billingClass int

const (
	classEmpty   billingClass = iota
	classCode                 // 10 or 12 digits
	classNumber               // 8 digits (paper-era number)
	classDigital              // 20 digits (数电 number)
	classOther
)

func classify(s string) billingClass {
	switch {
	case s == "":
		return classEmpty
	case !allDigits(s):
		return classOther
	case len(s) == 10 || len(s) == 12:
		return classCode
	case len(s) == 8:
		return classNumber
	case len(s) == 20:
		return classDigital
	}
	return classOther
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ClassifyBilling turns WeChat's billing_no and billing_code into an invoice
// code and number. The sources disagree on which field holds which
// (wechat-protocol.md §1), so each is classified by its shape. When the
// shapes do not settle it, the newer reading (billing_no = number) is taken
// and needsReview is set: such invoices are imported, never refused
// (DECISIONS 10). Only an invoice with neither field is an error.
func ClassifyBilling(billingNo, billingCode string) (id BusinessID, needsReview bool, err error) {
	no, code := classify(billingNo), classify(billingCode)
	isNumber := func(c billingClass) bool { return c == classNumber || c == classDigital }
	switch {
	case isNumber(no) && (code == classCode || (no == classDigital && code == classEmpty)):
		return BusinessID{Code: billingCode, Number: billingNo}, false, nil
	case isNumber(code) && (no == classCode || (code == classDigital && no == classEmpty)):
		return BusinessID{Code: billingNo, Number: billingCode}, false, nil
	case billingNo != "":
		return BusinessID{Code: billingCode, Number: billingNo}, true, nil
	case billingCode != "":
		// Only one field, of no known shape: it is all the identity there is.
		return BusinessID{Number: billingCode}, true, nil
	}
	return BusinessID{}, false, Invalid("billing_no", "the invoice has neither billing_no nor billing_code")
}
