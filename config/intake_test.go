package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIntakeIMAP(t *testing.T) {
	c := mustLoad(t, "")
	m := c.Intake.IMAP
	require.False(t, m.Enabled())
	require.Equal(t, "INBOX", m.Mailbox)
	require.Equal(t, "Processed", m.ProcessedFolder)
	require.Equal(t, "Unmatched", m.UnmatchedFolder)
	require.False(t, m.TrustFrom)

	c = mustLoad(t, "", "BAOXIAO_INTAKE_IMAP_URL=imaps://mail.example.com", "BAOXIAO_INTAKE_IMAP_USERNAME=FaPiao@Example.com",
		"BAOXIAO_INTAKE_IMAP_PASSWORD=pw")
	m = c.Intake.IMAP
	require.True(t, m.Enabled())
	require.Equal(t, "fapiao@example.com", m.Address, "the address defaults to the login")
	addr, tls := m.Endpoint()
	require.Equal(t, "mail.example.com:993", addr)
	require.True(t, tls)
	require.False(t, m.Loopback())

	c = mustLoad(t, "", "BAOXIAO_INTAKE_IMAP_URL=imap://127.0.0.1:1143", "BAOXIAO_INTAKE_IMAP_USERNAME=fp",
		"BAOXIAO_INTAKE_IMAP_PASSWORD=pw", "BAOXIAO_INTAKE_IMAP_ADDRESS=fp@corp.example")
	addr, tls = c.Intake.IMAP.Endpoint()
	require.Equal(t, "127.0.0.1:1143", addr)
	require.False(t, tls)
	require.True(t, c.Intake.IMAP.Loopback())
	out, err := c.Redacted()
	require.NoError(t, err)
	require.NotContains(t, string(out), "pw\n", "the password is redacted")
	require.Contains(t, string(out), "password: '[redacted]'")
}

func TestIntakeIMAPInvalid(t *testing.T) {
	base := []string{"BAOXIAO_INTAKE_IMAP_USERNAME=fp@example.com", "BAOXIAO_INTAKE_IMAP_PASSWORD=pw"}
	for _, tt := range []struct {
		env  []string
		want string
	}{
		{[]string{"BAOXIAO_INTAKE_IMAP_URL=https://mail.example.com"}, "config: intake.imap.url: must be imaps://host[:port] or imap://host[:port]"},
		{[]string{"BAOXIAO_INTAKE_IMAP_URL=imaps://u:secret@mail.example.com"}, "config: intake.imap.url: must be imaps://host[:port]"},
		{[]string{"BAOXIAO_INTAKE_IMAP_URL=imaps://mail.example.com:0"}, `config: intake.imap.url: port must be a number from 1 to 65535, got "0"`},
		{[]string{"BAOXIAO_INTAKE_IMAP_URL=imaps://mail.example.com/INBOX"}, "config: intake.imap.url: must be imaps://"},
		{[]string{"BAOXIAO_INTAKE_IMAP_ADDRESS=fp+x@example.com"}, `config: intake.imap.address: must be a plain address local@domain without a +tag, got "fp+x@example.com"`},
		{[]string{"BAOXIAO_INTAKE_IMAP_ADDRESS=Fapiao <fp@example.com>"}, "config: intake.imap.address: must be a plain address"},
		{[]string{"BAOXIAO_INTAKE_IMAP_POLL_INTERVAL=0s"}, "config: intake.imap.poll_interval: must be positive"},
		{[]string{"BAOXIAO_INTAKE_IMAP_PROCESSED_FOLDER=INBOX"}, "config: intake.imap.mailbox: must differ from the processed and unmatched folders"},
	} {
		t.Run(tt.want, func(t *testing.T) {
			_, err := load(t, "", append(tt.env, base...)...)
			require.ErrorContains(t, err, tt.want)
			require.NotContains(t, err.Error(), "secret")
		})
	}
	_, err := load(t, "", "BAOXIAO_INTAKE_IMAP_URL=imaps://mail.example.com", "BAOXIAO_INTAKE_IMAP_USERNAME=fp")
	require.ErrorContains(t, err, "config: intake.imap.password: required when intake.imap.url is set (set BAOXIAO_INTAKE_IMAP_PASSWORD)")
	require.ErrorContains(t, err, "config: intake.imap.address: required when intake.imap.url is set")
}
