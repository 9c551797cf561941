package domain

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// ExpenseType is a kind of expense (费用类型) the company reimburses, with
// the code its ERP books it under. Types are deactivated, never deleted:
// reports already name them.
type ExpenseType struct {
	Code   string
	Name   string
	Active bool
}

// The seeded expense type codes (migration 0017); DefaultExpenseType picks
// among them.
const (
	ExpenseTravel    = "travel"    // 差旅
	ExpenseTransport = "transport" // 交通
	ExpenseMeal      = "meal"      // 餐饮
	ExpenseOffice    = "office"    // 办公
	ExpenseTelecom   = "telecom"   // 通讯
	ExpenseLodging   = "lodging"   // 住宿
	ExpenseOther     = "other"     // 其他
)

var expenseCodeShape = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,31}$`)

// CheckExpenseTypes validates an admin's whole list: codes are lower-case
// ASCII (the ERP's keys), unique, and names are given.
func CheckExpenseTypes(list []ExpenseType) ([]ExpenseType, error) {
	if len(list) == 0 {
		return nil, Invalid("items", "at least one expense type")
	}
	if len(list) > 200 {
		return nil, Invalid("items", "at most 200 expense types")
	}
	seen := map[string]bool{}
	out := make([]ExpenseType, len(list))
	for i, t := range list {
		t.Code = strings.TrimSpace(t.Code)
		t.Name = strings.TrimSpace(t.Name)
		if !expenseCodeShape.MatchString(t.Code) {
			return nil, Invalid("code", "lower-case letters, digits, _ . - (at most 32): "+t.Code)
		}
		if seen[t.Code] {
			return nil, Invalid("code", "listed twice: "+t.Code)
		}
		seen[t.Code] = true
		if t.Name == "" || utf8.RuneCountInString(t.Name) > 50 {
			return nil, Invalid("name", "1 to 50 characters for "+t.Code)
		}
		out[i] = t
	}
	return out, nil
}

// expenseHints are words that make an invoice's expense type obvious, in
// the order they are tried: a train ticket names its trip, a taxi invoice
// its ride, on the type, the seller or a line.
var expenseHints = []struct {
	code  string
	words []string
}{
	{ExpenseTravel, []string{"铁路电子客票", "客票", "航空运输电子客票", "机票", "航空", "铁路", "高铁", "动车", "火车票"}},
	{ExpenseLodging, []string{"住宿", "酒店", "宾馆", "客栈"}},
	{ExpenseTransport, []string{"客运服务", "出租", "网约车", "滴滴", "出行", "打车", "通行费", "停车", "公交", "地铁", "运输服务"}},
	{ExpenseMeal, []string{"餐饮", "餐费", "餐厅", "饭店"}},
	{ExpenseTelecom, []string{"电信", "移动通信", "通信服务", "话费", "宽带"}},
	{ExpenseOffice, []string{"办公用品", "文具", "打印", "纸张"}},
}

// DefaultExpenseType is the type an invoice obviously has (train and air
// tickets → 差旅, rides → 交通, …), or "" when it is not obvious and the
// owner must choose.
func DefaultExpenseType(inv *Invoice) string {
	f := inv.Facts()
	texts := []string{f.RawType, f.Seller.Name}
	for _, l := range f.Lines {
		texts = append(texts, l.Name)
	}
	for _, h := range expenseHints {
		for _, t := range texts {
			for _, w := range h.words {
				if strings.Contains(t, w) {
					return h.code
				}
			}
		}
	}
	return ""
}
