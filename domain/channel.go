package domain

import "fmt"

// Channel is how an invoice reached us, and so the only way to update it:
// an invoice imported through WeCom must be locked through WeCom.
type Channel string

// The two channels.
const (
	ChannelOA   Channel = "oa"   // Official Account (公众号)
	ChannelWork Channel = "work" // WeCom (企业微信)
)

// ParseChannel accepts "oa" or "work".
func ParseChannel(s string) (Channel, error) {
	switch c := Channel(s); c {
	case ChannelOA, ChannelWork:
		return c, nil
	}
	return "", fmt.Errorf("unknown channel %q", s)
}
