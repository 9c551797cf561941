package parse

import "testing"

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"2020年07月23日":          "2020-07-23",
		"2020年7月3日":            "2020-07-03",
		"2023-02-23 10:08:05":  "2023-02-23",
		"2026-07-18":           "2026-07-18",
		"20200723":             "2020-07-23",
		" 2022-09-01T08:00:00": "2022-09-01",
	} {
		got, ok := parseDate(in)
		if !ok || got.Format("2006-01-02") != want {
			t.Errorf("parseDate(%q) = %v %v, want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "2020-13-01", "2020/07/23x", "9223372036854775807"} {
		if got, ok := parseDate(in); ok {
			t.Errorf("parseDate(%q) = %v, want failure", in, got)
		}
	}
}

func TestParseMoney(t *testing.T) {
	for in, want := range map[string]string{"57": "57.00", "51.2": "51.20", "¥4,449.00": "4449.00", "-25.71": "-25.71", "￥ 0.5": "0.50"} {
		m, ok := parseMoney(in)
		if !ok || m.String() != want {
			t.Errorf("parseMoney(%q) = %v %v, want %s", in, m, ok, want)
		}
	}
	for _, in := range []string{"", "***", "9.91150442", "abc"} {
		if m, ok := parseMoney(in); ok {
			t.Errorf("parseMoney(%q) = %v, want failure", in, m)
		}
	}
}
