package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSandboxExposed(t *testing.T) {
	tests := []struct {
		env  []string
		want bool
	}{
		{nil, false}, // the default: :8080, http://localhost:8080
		{[]string{"BAOXIAO_PUBLIC_URL=https://baoxiao.example.com"}, true},
		{[]string{"BAOXIAO_LISTEN=0.0.0.0:8080", "BAOXIAO_PUBLIC_URL=http://10.0.0.5:8080"}, true},
		{[]string{"BAOXIAO_LISTEN=[::]:8080", "BAOXIAO_PUBLIC_URL=https://bx.example.com"}, true},
		{[]string{"BAOXIAO_LISTEN=bx.internal:8080", "BAOXIAO_PUBLIC_URL=https://bx.example.com"}, true},
		{[]string{"BAOXIAO_LISTEN=127.0.0.1:8080", "BAOXIAO_PUBLIC_URL=https://baoxiao.example.com"}, false},
		{[]string{"BAOXIAO_LISTEN=[::1]:8080", "BAOXIAO_PUBLIC_URL=https://baoxiao.example.com"}, false},
		{[]string{"BAOXIAO_LISTEN=localhost:8080", "BAOXIAO_PUBLIC_URL=https://baoxiao.example.com"}, false},
		{[]string{"BAOXIAO_PUBLIC_URL=http://127.0.0.1:8080"}, false},
		{[]string{"BAOXIAO_PUBLIC_URL=http://LOCALHOST:8080"}, false},
		{[]string{"BAOXIAO_PUBLIC_URL=http://app.localhost:8080"}, false},
		{[]string{"BAOXIAO_PUBLIC_URL=http://[::1]:8080"}, false},
		{append(liveEnv, "BAOXIAO_PUBLIC_URL=https://baoxiao.example.com"), false}, // live mode has no sandbox
	}
	for _, tt := range tests {
		c := mustLoad(t, "", tt.env...)
		require.Equal(t, tt.want, c.SandboxExposed(), "%v", tt.env)
	}
}
