package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalizeMySQLDSN(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{in: "u:p@tcp(db:3306)/bx", want: "u:p@tcp(db:3306)/bx?parseTime=true&loc=UTC"},
		{in: "u:p@tcp(db:3306)/bx?", want: "u:p@tcp(db:3306)/bx?parseTime=true&loc=UTC"},
		{in: "u:p@tcp(db)/bx?charset=utf8mb4", want: "u:p@tcp(db)/bx?charset=utf8mb4&parseTime=true&loc=UTC"},
		{in: "u:p@tcp(db)/bx?parseTime=true", want: "u:p@tcp(db)/bx?parseTime=true&loc=UTC"},
		{in: "u:p@tcp(db)/bx?loc=UTC&parseTime=true", want: "u:p@tcp(db)/bx?loc=UTC&parseTime=true"},
		{in: "u:p/w@d@unix(/run/mysqld.sock)/bx", want: "u:p/w@d@unix(/run/mysqld.sock)/bx?parseTime=true&loc=UTC"},
		{in: "u:p@tcp(db)/bx?parseTime=false", err: "parseTime must be true"},
		{in: "u:p@tcp(db)/bx?loc=Local", err: `loc must be UTC (DECISIONS 17), got "Local"`},
		{in: "u:p@tcp(db", err: "must be a MySQL DSN"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := normalizeMySQLDSN(tt.in)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				require.NotContains(t, err.Error(), ":p@", "errors never quote the DSN")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestMaskPassword(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"./data/baoxiao.db", "./data/baoxiao.db"},
		{"file:/srv/bx.db?_pragma=busy_timeout(5000)", "file:/srv/bx.db?_pragma=busy_timeout(5000)"},
		{"u:pw@tcp(db:3306)/bx?parseTime=true", "u:[redacted]@tcp(db:3306)/bx?parseTime=true"},
		{"u:p@ss/w@tcp(db)/bx", "u:[redacted]@tcp(db)/bx"},
		{"u@tcp(db)/bx", "u@tcp(db)/bx"},
		{"redis://:pw@r:6379/0", "redis://:[redacted]@r:6379/0"},
		{"rediss://user:pw@r:6380", "rediss://user:[redacted]@r:6380"},
		{"redis://pw@r:6379", "redis://[redacted]@r:6379"},
		{"redis://r:6379/0", "redis://r:6379/0"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, maskPassword(tt.in), tt.in)
	}
}
