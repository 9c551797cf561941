package app

import "github.com/baoxiao/baoxiao/domain"

// Channels holds the configured WeChat gateways by channel.
type Channels map[domain.Channel]WeChat

// ErrChannelOff is a request for a channel this deployment has not set up.
var ErrChannelOff = domain.ErrInvalidInput.WithMessage("this WeChat channel is not configured")

// Get returns the gateway for ch.
func (cs Channels) Get(ch domain.Channel) (WeChat, error) {
	wc, ok := cs[ch]
	if !ok || wc == nil {
		return nil, ErrChannelOff.With(map[string]any{"channel": string(ch)})
	}
	return wc, nil
}
