package app

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/baoxiao/baoxiao/domain"
)

// JSAPI signs JSSDK calls for pages on the configured H5 origins only: a
// signature is valid for one exact URL, and signing for foreign pages
// would let them use our app's identity.
type JSAPI struct {
	channels Channels
	origins  []string
}

// NewJSAPI returns the JSSDK signer.
func NewJSAPI(channels Channels, origins []string) *JSAPI {
	return &JSAPI{channels: channels, origins: origins}
}

// pageURL checks the URL is absolute, on an allowed origin, and drops the
// #fragment, which WeChat leaves out of the signed string.
func (j *JSAPI) pageURL(raw string) (string, error) {
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", domain.Invalid("url", "must be the absolute URL of the page")
	}
	if !slices.Contains(j.origins, u.Scheme+"://"+u.Host) {
		return "", domain.Invalid("url", "the page is not on a configured H5 origin")
	}
	return raw, nil
}

// Config signs wx.config (and WeCom's agentConfig) for a page.
func (j *JSAPI) Config(ctx context.Context, ch domain.Channel, page string) (JSConfig, error) {
	page, err := j.pageURL(page)
	if err != nil {
		return JSConfig{}, err
	}
	wc, err := j.channels.Get(ch)
	if err != nil {
		return JSConfig{}, err
	}
	return wc.JSConfig(ctx, page)
}

// ChooseInvoiceSign signs chooseInvoice for a page.
func (j *JSAPI) ChooseInvoiceSign(ctx context.Context, ch domain.Channel, page string) (CardSign, error) {
	if _, err := j.pageURL(page); err != nil {
		return CardSign{}, err
	}
	wc, err := j.channels.Get(ch)
	if err != nil {
		return CardSign{}, err
	}
	return wc.ChooseInvoiceSign(ctx)
}
