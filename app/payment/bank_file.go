package payment

import (
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/baoxiao/baoxiao/domain"
)

// Table is a small sheet written whole: a header row and rows of text,
// the money columns as exact decimal strings.
type Table struct {
	Headers []string
	Widths  []int  // XLSX column widths, in characters
	Money   []bool // which columns hold amounts
	Codes   []bool // which hold digits that are not numbers: accounts, phones
	Rows    [][]string
}

// TableFormat writes a Table in one file format (infra/export).
type TableFormat struct {
	Name        string // csv, xlsx
	ContentType string
	Write       func(w io.Writer, t Table) error
}

// bankColumns follow ICBC's 企业网上银行 批量支付 (普通版) import template,
// the layout most Chinese corporate online banks' 批量转账 imports accept
// or map (README "Bank batch file"): one payee per row, amounts in yuan
// with at most two decimals.
var bankColumns = []struct {
	header string
	width  int
	money  bool
	code   bool
}{
	{"付款账号开户行", 24, false, false}, {"付款账号", 24, false, true}, {"付款账号名称", 24, false, false},
	{"收款账号开户行", 30, false, false}, {"省份", 8, false, false}, {"城市", 8, false, false},
	{"收款账号", 24, false, true}, {"收款账号名称", 12, false, false}, {"金额", 14, true, false},
	{"汇款用途", 20, false, false}, {"备注", 24, false, false}, {"短信通知手机号码", 16, false, true},
}

// maxUse is how long 汇款用途 may be: banks cut the field short (ICBC
// keeps 20 characters).
const maxUse = 20

// BankFile is a payment's bank batch file: one row per paid report, with
// the payee's full account number, the only answer that shows it.
type BankFile struct {
	FileName    string
	ContentType string
	write       func(w io.Writer) error
}

// Write writes the file.
func (f *BankFile) Write(w io.Writer) error { return f.write(w) }

// BankFile prepares a payment's bank file in format (csv or xlsx).
func (s *Service) BankFile(ctx context.Context, by domain.EmployeeID, id domain.PaymentID, format string) (*BankFile, error) {
	if err := s.mayRead(ctx, by); err != nil {
		return nil, err
	}
	var tf *TableFormat
	var names []string
	for i := range s.d.Formats {
		names = append(names, s.d.Formats[i].Name)
		if s.d.Formats[i].Name == strings.ToLower(strings.TrimSpace(format)) {
			tf = &s.d.Formats[i]
		}
	}
	if tf == nil {
		return nil, domain.Invalid("format", "must be one of "+strings.Join(names, ", "))
	}
	p, lines, err := s.d.Payments.Payment(ctx, id)
	if err != nil {
		return nil, err
	}
	t := Table{}
	for _, c := range bankColumns {
		t.Headers = append(t.Headers, c.header)
		t.Widths = append(t.Widths, c.width)
		t.Money = append(t.Money, c.money)
		t.Codes = append(t.Codes, c.code)
	}
	for _, l := range lines {
		account := ""
		if l.Sealed != "" {
			if account, err = s.d.Sealer.Open(l.Sealed, accountAAD(l.EmployeeID)); err != nil {
				// A changed auth.data_key: the operator must know; the
				// message names no number.
				return nil, fmt.Errorf("open the bank account of %s for payment %s: %w (was auth.data_key changed?)", l.EmployeeID, id, err)
			}
		}
		r, err := s.d.Reports.Get(ctx, l.ReportID)
		if err != nil {
			return nil, err
		}
		use := r.Purpose()
		if use == "" {
			use = "报销款"
		}
		t.Rows = append(t.Rows, []string{
			s.d.Payer.Bank, p.PayerAccount, s.d.Payer.AccountName,
			l.Bank + l.Branch, "", "",
			account, l.PayeeName, l.Amount.String(),
			cut(use, maxUse), r.Number(), "",
		})
	}
	return &BankFile{
		FileName:    fmt.Sprintf("bank-%s.%s", p.ID, tf.Name),
		ContentType: tf.ContentType,
		write:       func(w io.Writer) error { return tf.Write(w, t) },
	}, nil
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
