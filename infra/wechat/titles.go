package wechat

import (
	"context"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// The invoice-title helper of the Official Account (wechat-protocol.md §9,
// wechatpy's get_user_title_url): a link that, opened in WeChat, adds a
// title (抬头) to the user's invoice titles, so shops issue to it.

var _ app.TitleLinker = (*Client)(nil)

type userTitleRequest struct {
	UserFill int    `json:"user_fill"` // 0: the company sets the title; 1: the user fills it in
	Title    string `json:"title"`
	TaxNo    string `json:"tax_no,omitempty"`
}

// UserTitleURL asks for the link that adds the company's title and tax
// number to a user's WeChat (POST /card/invoice/biz/getusertitleurl).
func (c *Client) UserTitleURL(ctx context.Context, title, taxNumber string) (string, error) {
	ep := c.endpoint("biz/getusertitleurl", "/card/invoice/biz/getusertitleurl", false)
	if c.channel != domain.ChannelOA {
		return "", newError(ep.name, app.Misconfigured, 0, "an Official Account call on the WeCom client")
	}
	raw, err := c.post(ctx, ep, userTitleRequest{UserFill: 0, Title: title, TaxNo: taxNumber})
	if err != nil {
		return "", err
	}
	var a struct {
		URL string `json:"url"`
	}
	if err := decode(ep, raw, &a); err != nil {
		return "", err
	}
	if a.URL == "" {
		return "", newError(ep.name, app.Refused, 0, "the answer has no url")
	}
	return a.URL, nil
}
