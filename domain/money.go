package domain

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Money is an amount in yuan with exactly two decimals (分 precision).
// It is built from WeChat's integer cents or from a decimal string and has
// no float constructor or accessor: a float never touches an amount.
type Money struct{ d decimal.Decimal }

// Zero is 0.00 yuan.
var Zero = Money{}

// MoneyFromCents converts WeChat's integer 分 into yuan.
func MoneyFromCents(cents int64) Money { return Money{decimal.New(cents, -2)} }

// ParseMoney reads a decimal yuan string such as "1234.5" or "-0.01".
// More than two decimals is an error rather than a silent rounding.
func ParseMoney(s string) (Money, error) {
	s = strings.TrimSpace(s)
	d, err := decimal.NewFromString(s)
	if err != nil || s == "" {
		return Money{}, fmt.Errorf("money %q: not a decimal number", s)
	}
	if d.Exponent() < -2 && !d.Equal(d.Round(2)) {
		return Money{}, fmt.Errorf("money %q: more than two decimals", s)
	}
	return Money{d.Round(2)}, nil
}

// Cents is the amount in 分, for storage and for WeChat.
func (m Money) Cents() int64 { return m.d.Shift(2).IntPart() }

// Decimal exposes the exact value for callers that format or sum it.
func (m Money) Decimal() decimal.Decimal { return m.d }

// String formats with exactly two decimals: "50.85", "-0.10", "0.00".
func (m Money) String() string { return m.d.StringFixed(2) }

// Add returns m + o.
func (m Money) Add(o Money) Money { return Money{m.d.Add(o.d)} }

// Sub returns m - o.
func (m Money) Sub(o Money) Money { return Money{m.d.Sub(o.d)} }

// Neg returns -m.
func (m Money) Neg() Money { return Money{m.d.Neg()} }

// Times multiplies by an integer quantity (a line's num × unit price).
func (m Money) Times(n int64) Money { return Money{m.d.Mul(decimal.NewFromInt(n))} }

// Equal compares values, so 1.5 equals 1.50.
func (m Money) Equal(o Money) bool { return m.d.Equal(o.d) }

// Cmp returns -1, 0 or +1.
func (m Money) Cmp(o Money) int { return m.d.Cmp(o.d) }

// IsZero reports whether m is 0.00.
func (m Money) IsZero() bool { return m.d.IsZero() }

// IsNegative reports whether m < 0 (discount lines are).
func (m Money) IsNegative() bool { return m.d.IsNegative() }

// MarshalJSON writes a JSON string, never a number (shared/API.md).
func (m Money) MarshalJSON() ([]byte, error) { return []byte(`"` + m.String() + `"`), nil }

// UnmarshalJSON accepts only a JSON string: a JSON number would have passed
// through a float in most clients already.
func (m *Money) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("money must be a JSON string such as \"12.34\", got %s", b)
	}
	v, err := ParseMoney(string(b[1 : len(b)-1]))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
