package domain

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// PaymentID is a payment's generated id ("pay_…").
type PaymentID string

// NewPaymentID returns a fresh "pay_…" id.
func NewPaymentID(now time.Time) PaymentID { return PaymentID(newID("pay_", now)) }

// PaymentMethod is how a payment was made.
type PaymentMethod string

// The payment methods of shared/API.md.
const (
	PayBankTransfer PaymentMethod = "bank_transfer"
	PayCash         PaymentMethod = "cash"
	PayPayroll      PaymentMethod = "payroll" // with the salary (随工资发放)
	PayOther        PaymentMethod = "other"
)

func (m PaymentMethod) String() string { return string(m) }

// ParsePaymentMethod accepts one of the four methods.
func ParsePaymentMethod(s string) (PaymentMethod, error) {
	switch m := PaymentMethod(s); m {
	case PayBankTransfer, PayCash, PayPayroll, PayOther:
		return m, nil
	}
	return "", Invalid("method", "must be bank_transfer, cash, payroll or other")
}

// MaxPaymentReports bounds one payment (a bank batch file holds a few
// hundred rows at most).
const MaxPaymentReports = 500

// Payment records that a cashier paid one or more approved reports (付款).
// It records money moved elsewhere (online banking); it moves none.
type Payment struct {
	ID           PaymentID
	PaidOn       string // YYYY-MM-DD in China
	Method       PaymentMethod
	Reference    string // bank batch or voucher number
	PayerAccount string // the company account paid from
	ReportIDs    []ReportID
	Total        Money
	CreatedBy    EmployeeID
	CreatedAt    time.Time
}

// CheckPayment validates a payment's own fields (not its reports).
func CheckPayment(p Payment) (Payment, error) {
	if len(p.ReportIDs) == 0 {
		return p, Invalid("report_ids", "at least one report")
	}
	if len(p.ReportIDs) > MaxPaymentReports {
		return p, Invalid("report_ids", "at most 500 reports per payment")
	}
	seen := map[ReportID]bool{}
	for _, id := range p.ReportIDs {
		if seen[id] {
			return p, Invalid("report_ids", "lists report "+string(id)+" twice")
		}
		seen[id] = true
	}
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(p.PaidOn))
	if err != nil || d.Year() < 2000 || d.Year() > 9998 {
		return p, Invalid("paid_on", "must be a date YYYY-MM-DD")
	}
	p.PaidOn = d.Format(time.DateOnly)
	p.Reference = strings.TrimSpace(p.Reference)
	p.PayerAccount = strings.TrimSpace(p.PayerAccount)
	if utf8.RuneCountInString(p.Reference) > 100 || !printable(p.Reference) {
		return p, Invalid("reference", "at most 100 characters of text")
	}
	if utf8.RuneCountInString(p.PayerAccount) > 100 || !printable(p.PayerAccount) {
		return p, Invalid("payer_account", "at most 100 characters of text")
	}
	return p, nil
}

func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// BankAccount is where an employee is paid (收款账户). The number is
// personal data: it is sealed at rest and shown masked everywhere but in
// the cashier's bank file.
type BankAccount struct {
	Bank          string // 开户银行, e.g. 中国工商银行
	Branch        string // 开户网点, e.g. 北京分行海淀支行
	AccountNumber string
	AccountName   string // 户名
}

// CheckBankAccount validates and normalises an account: the number loses
// spaces and dashes and must be 8 to 32 digits (cards are 16–19, company
// accounts longer).
func CheckBankAccount(a BankAccount) (BankAccount, error) {
	a.Bank, a.Branch, a.AccountName = strings.TrimSpace(a.Bank), strings.TrimSpace(a.Branch), strings.TrimSpace(a.AccountName)
	a.AccountNumber = strings.NewReplacer(" ", "", "-", "").Replace(a.AccountNumber)
	for _, f := range []struct{ name, v string }{{"bank", a.Bank}, {"account_name", a.AccountName}} {
		if f.v == "" {
			return a, Invalid(f.name, "required")
		}
	}
	for _, f := range []struct{ name, v string }{{"bank", a.Bank}, {"branch", a.Branch}, {"account_name", a.AccountName}} {
		if utf8.RuneCountInString(f.v) > 100 || !printable(f.v) {
			return a, Invalid(f.name, "at most 100 characters of text")
		}
	}
	if n := len(a.AccountNumber); n < 8 || n > 32 || strings.ContainsFunc(a.AccountNumber, func(r rune) bool { return r < '0' || r > '9' }) {
		return a, Invalid("account_number", "8 to 32 digits")
	}
	return a, nil
}

// Mask shows the account number as banks print it on screens:
// "6222 **** **** 1234", the first and last four digits. It is kept in
// clear beside the sealed number, so lists need not unseal anything.
func (a BankAccount) Mask() string {
	n := a.AccountNumber
	if len(n) < 8 {
		return "****"
	}
	return n[:4] + " **** **** " + n[len(n)-4:]
}
