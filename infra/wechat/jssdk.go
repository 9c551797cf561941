package wechat

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/silenceper/wechat/v2/util"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// SignJSConfig is wx.config's (and wx.agentConfig's) signature:
// sha1hex("jsapi_ticket=T&noncestr=N&timestamp=S&url=U"), in this order and
// without URL-encoding (wechat-protocol.md §3.1).
func SignJSConfig(ticket, nonce string, ts int64, url string) string {
	s := "jsapi_ticket=" + ticket + "&noncestr=" + nonce + "&timestamp=" + strconv.FormatInt(ts, 10) + "&url=" + url
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// SignCard is chooseInvoice's cardSign: the sha1 of the byte-sorted
// concatenation of the wx_card ticket, the appid (WeCom: corpid), the
// timestamp, the nonce and "INVOICE" (wechat-protocol.md §3.2).
func SignCard(ticket, appID string, ts int64, nonce string) string {
	return util.Signature(ticket, appID, strconv.FormatInt(ts, 10), nonce, "INVOICE")
}

const nonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// nonce returns 16 random alphanumerics from crypto/rand.
func nonce() string {
	const n = 16
	out := make([]byte, 0, n)
	var buf [32]byte
	for len(out) < n {
		_, _ = rand.Read(buf[:]) // never fails (crypto/rand since Go 1.24)
		for _, b := range buf {
			// 248 = 4 × 62: rejecting the rest keeps the draw uniform.
			if b < 248 && len(out) < n {
				out = append(out, nonceAlphabet[int(b)%len(nonceAlphabet)])
			}
		}
	}
	return string(out)
}

// JSConfig signs wx.config for a page URL; a #fragment is dropped. OA signs
// with the jsapi ticket and appId = appid. WeCom signs wx.config with the
// corp ticket and appId = corpid, and Agent (wx.agentConfig) with the agent
// ticket.
func (c *Client) JSConfig(ctx context.Context, url string) (app.JSConfig, error) {
	if i := strings.IndexByte(url, '#'); i >= 0 {
		url = url[:i]
	}
	ticket, err := c.ticket(ctx, ticketJSAPI)
	if err != nil {
		return app.JSConfig{}, err
	}
	ts, n := c.now().Unix(), nonce()
	cfg := app.JSConfig{AppID: c.appID, Timestamp: ts, NonceStr: n, Signature: SignJSConfig(ticket, n, ts, url)}
	if c.channel == domain.ChannelWork {
		agentTicket, err := c.ticket(ctx, ticketAgent)
		if err != nil {
			return app.JSConfig{}, err
		}
		an := nonce()
		cfg.Agent = &app.AgentConfig{
			CorpID: c.appID, AgentID: c.agentID, Timestamp: ts, NonceStr: an,
			Signature: SignJSConfig(agentTicket, an, ts, url),
		}
	}
	return cfg, nil
}

// ChooseInvoiceSign signs a chooseInvoice call with the wx_card ticket
// (WeCom: its own wx_card ticket, appid = corpid). Timestamp and nonce are
// independent of wx.config's.
func (c *Client) ChooseInvoiceSign(ctx context.Context) (app.CardSign, error) {
	ticket, err := c.ticket(ctx, ticketWxCard)
	if err != nil {
		return app.CardSign{}, err
	}
	ts, n := c.now().Unix(), nonce()
	return app.CardSign{Timestamp: ts, NonceStr: n, SignType: "SHA1", CardSign: SignCard(ticket, c.appID, ts, n)}, nil
}
