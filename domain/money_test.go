package domain_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/baoxiao/baoxiao/domain"
)

// money parses a constant; a bad one is the test's own mistake.
func money(s string) domain.Money {
	m, err := domain.ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

func TestMoneyFromCents(t *testing.T) {
	for _, tc := range []struct {
		cents int64
		want  string
	}{
		{0, "0.00"}, {1, "0.01"}, {10, "0.10"}, {5085, "50.85"}, {-1, "-0.01"},
		{-12345, "-123.45"}, {100000000, "1000000.00"},
		{math.MaxInt64, "92233720368547758.07"}, {math.MinInt64, "-92233720368547758.08"},
	} {
		m := domain.MoneyFromCents(tc.cents)
		if got := m.String(); got != tc.want {
			t.Errorf("MoneyFromCents(%d) = %s, want %s", tc.cents, got, tc.want)
		}
		if m.Cents() != tc.cents {
			t.Errorf("MoneyFromCents(%d).Cents() = %d", tc.cents, m.Cents())
		}
	}
}

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"0", "0.00", true}, {"1.5", "1.50", true}, {"1234.50", "1234.50", true},
		{"-0.01", "-0.01", true}, {" 7 ", "7.00", true}, {"1.500", "1.50", true},
		{"0.1", "0.10", true},
		{"1.005", "", false}, {"", "", false}, {"abc", "", false}, {"1,5", "", false},
		{"NaN", "", false}, {"Inf", "", false},
	} {
		m, err := domain.ParseMoney(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseMoney(%q) err = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && m.String() != tc.want {
			t.Errorf("ParseMoney(%q) = %s, want %s", tc.in, m, tc.want)
		}
	}
}

func TestMoneyArithmeticIsExact(t *testing.T) {
	// 0.1 + 0.2 is the classic float failure.
	if got := money("0.10").Add(money("0.20")); got.String() != "0.30" {
		t.Fatalf("0.10+0.20 = %s", got)
	}
	// A million cents added one by one stays exact.
	total := domain.Zero
	for range 1_000_000 {
		total = total.Add(domain.MoneyFromCents(1))
	}
	if total.String() != "10000.00" || total.Cents() != 1_000_000 {
		t.Fatalf("sum of 1e6 cents = %s", total)
	}
	for _, tc := range []struct {
		name string
		got  domain.Money
		want string
	}{
		{"sub", money("106.00").Sub(money("6.00")), "100.00"},
		{"sub negative", money("1.00").Sub(money("1.01")), "-0.01"},
		{"neg", money("5.10").Neg(), "-5.10"},
		{"times", domain.MoneyFromCents(333).Times(3), "9.99"},
		{"times negative qty", domain.MoneyFromCents(250).Times(-2), "-5.00"},
	} {
		if tc.got.String() != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}

func TestMoneyCompare(t *testing.T) {
	a, b := money("1.5"), money("1.50")
	if !a.Equal(b) || a.Cmp(b) != 0 {
		t.Fatal("1.5 != 1.50")
	}
	if money("1.49").Cmp(a) != -1 || a.Cmp(money("1.49")) != 1 {
		t.Fatal("ordering wrong")
	}
	if !domain.Zero.IsZero() || domain.MoneyFromCents(-1).IsZero() || !domain.MoneyFromCents(-1).IsNegative() {
		t.Fatal("zero/negative wrong")
	}
}

func TestMoneyJSON(t *testing.T) {
	b, err := json.Marshal(struct {
		Fee domain.Money `json:"fee"`
	}{domain.MoneyFromCents(5085)})
	if err != nil || string(b) != `{"fee":"50.85"}` {
		t.Fatalf("marshal = %s, %v", b, err)
	}
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{`"50.85"`, "50.85", true}, {`"3"`, "3.00", true}, {`"-1.2"`, "-1.20", true},
		{`50.85`, "", false}, {`null`, "", false}, {`"1.001"`, "", false}, {`""`, "", false},
		{`"x"`, "", false}, {`true`, "", false},
	} {
		var m domain.Money
		err := json.Unmarshal([]byte(tc.in), &m)
		if (err == nil) != tc.ok {
			t.Errorf("unmarshal %s: err=%v want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && m.String() != tc.want {
			t.Errorf("unmarshal %s = %s want %s", tc.in, m, tc.want)
		}
	}
}
