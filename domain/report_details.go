package domain

import (
	"maps"
	"strings"
	"time"
	"unicode/utf8"
)

// ReportDetails are a report's expense details (issue 17): its purpose
// (事由), each invoice's expense type code, and the payment that paid it.
type ReportDetails struct {
	Purpose      string
	ExpenseTypes map[InvoiceID]string // invoice → expense type code; absent: not chosen
	Payment      ReportPayment
}

// ReportPayment is how a paid report was paid; zero until then.
type ReportPayment struct {
	ID        PaymentID
	PaidOn    string // YYYY-MM-DD, the cashier's date
	Method    PaymentMethod
	Reference string
}

func (d ReportDetails) clone() ReportDetails {
	d.ExpenseTypes = maps.Clone(d.ExpenseTypes)
	return d
}

const maxPurposeLen = 500

// Purpose is why the expenses were made (事由).
func (r *Report) Purpose() string { return r.details.Purpose }

// ExpenseType is the expense type code of one of the report's invoices,
// "" when none is chosen.
func (r *Report) ExpenseType(id InvoiceID) string { return r.details.ExpenseTypes[id] }

// Payment is how the report was paid; zero unless it is paid.
func (r *Report) Payment() ReportPayment { return r.details.Payment }

// Details returns the expense details, for repositories.
func (r *Report) Details() ReportDetails { return r.details.clone() }

// defaultExpenseTypes keeps the types of invoices still in the report and
// gives new ones their obvious type.
func (r *Report) defaultExpenseTypes(invoices []*Invoice) {
	old := r.details.ExpenseTypes
	r.details.ExpenseTypes = map[InvoiceID]string{}
	for _, inv := range invoices {
		if code := old[inv.ID()]; code != "" {
			r.details.ExpenseTypes[inv.ID()] = code
		} else if code := DefaultExpenseType(inv); code != "" {
			r.details.ExpenseTypes[inv.ID()] = code
		}
	}
}

// Describe sets the purpose and/or expense types of a report its owner may
// still edit (nil leaves that part alone; an empty code clears a type).
// known says whether a code names an active expense type.
func (r *Report) Describe(a Actor, purpose *string, types map[InvoiceID]string, known func(code string) bool, now time.Time) error {
	if purpose == nil && len(types) == 0 {
		return nil
	}
	if err := r.mustBeOwner(a); err != nil {
		return err
	}
	if _, ok := reportMoves[r.status][ActionEdit]; !ok {
		return ErrInvalidTransition.With(map[string]any{"from": string(r.status), "action": string(ActionEdit)})
	}
	d := r.details.clone()
	if purpose != nil {
		p := strings.TrimSpace(*purpose)
		if utf8.RuneCountInString(p) > maxPurposeLen || strings.ContainsRune(p, 0) {
			return Invalid("purpose", "at most 500 characters of text")
		}
		d.Purpose = p
	}
	if d.ExpenseTypes == nil {
		d.ExpenseTypes = map[InvoiceID]string{}
	}
	for id, code := range types {
		if !r.holds(id) {
			return Invalid("expense_types", "invoice "+string(id)+" is not in the report")
		}
		if code == "" {
			delete(d.ExpenseTypes, id)
			continue
		}
		if !known(code) {
			return ErrUnknownExpenseType.With(map[string]any{"code": code, "invoice_id": string(id)})
		}
		d.ExpenseTypes[id] = code
	}
	r.details = d
	r.updatedAt = now
	return nil
}

func (r *Report) holds(id InvoiceID) bool {
	for _, x := range r.invoiceIDs {
		if x == id {
			return true
		}
	}
	return false
}

// Pay records that an approved report was paid (approved → paid). Payment
// never touches WeChat: the invoices stay CLOSURE (DECISIONS 32, 39).
func (r *Report) Pay(by EmployeeID, p ReportPayment, now time.Time) error {
	if r.status != ReportApproved {
		return ErrNotPayable.With(map[string]any{"report_id": string(r.id), "status": string(r.status)})
	}
	if err := r.move(by, ActionPay, p.Method.String()+" "+p.Reference, now); err != nil {
		return err
	}
	r.details.Payment = p
	return nil
}

// Approved reports whether a report in this status has been approved:
// approved or paid. Finance counts both as approved (DECISIONS 39).
func (s ReportStatus) Approved() bool { return s == ReportApproved || s == ReportPaid }
