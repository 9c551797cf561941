package wechat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Tokens and tickets are fetched here against the configured base, not by
// silenceper's credential types: those hard-code api.weixin.qq.com and
// qyapi.weixin.qq.com, and DECISIONS 14 rules out the process-global
// util.SetURIModifier. They are cached in silenceper's cache.Cache with
// silenceper's key scheme ({prefix}_…_{appid}) and an early expiry.
//
// The OA token comes from /cgi-bin/stable_token, not /cgi-bin/token: every
// /token fetch supersedes the token other instances (or other systems of
// the company using the same appid) hold, while stable_token answers the
// same token until its last five minutes, so concurrent refreshes do no
// harm (wechat-protocol.md §2, silenceper/wechat#516). The Redis lock still
// keeps refreshes to one instance at a time.

// expiryMargin is taken off expires_in. stable_token hands out a new token
// in the old one's last five minutes, so a token cached this way is never
// used past its life.
const expiryMargin = 5 * time.Minute

// cacheTTL is expires_in less the margin, at least half of expires_in and at
// least a second (a Redis SETEX with TTL ≤ 0 fails).
func cacheTTL(expiresIn int64) time.Duration {
	d := time.Duration(expiresIn) * time.Second
	if d <= 2*expiryMargin {
		d /= 2
	} else {
		d -= expiryMargin
	}
	return max(d, time.Second)
}

// ticketType names a JSSDK ticket.
type ticketType string

const (
	ticketJSAPI  ticketType = "jsapi"        // OA wx.config; WeCom corp ticket for wx.config
	ticketAgent  ticketType = "agent_config" // WeCom wx.agentConfig
	ticketWxCard ticketType = "wx_card"      // chooseInvoice's cardSign
)

var ticketTypes = []ticketType{ticketJSAPI, ticketAgent, ticketWxCard}

// tokenKey is the access token's cache key: per OA appid, per WeCom app.
func (c *Client) tokenKey() string {
	if c.channel == domain.ChannelWork {
		return c.keyPrefix + "_access_token_" + c.appID + "_" + c.agentID
	}
	return c.keyPrefix + "_stable_access_token_" + c.appID
}

func (c *Client) ticketKey(t ticketType) string {
	if c.channel == domain.ChannelWork {
		name := map[ticketType]string{ticketJSAPI: "corp_jsapi", ticketAgent: "agent_jsapi", ticketWxCard: "wx_card"}[t]
		return c.keyPrefix + "_" + name + "_ticket_" + c.appID + "_" + c.agentID
	}
	return c.keyPrefix + "_" + string(t) + "_ticket_" + c.appID
}

// ticketKeys are the keys derived from the token: they go when it goes.
func (c *Client) ticketKeys() []string {
	keys := make([]string, 0, len(ticketTypes))
	for _, t := range ticketTypes {
		keys = append(keys, c.ticketKey(t))
	}
	return keys
}

// accessToken returns a cached or fresh token. With stale set, WeChat has
// just refused that token: it is dropped (with its tickets) unless another
// instance has already replaced it, and a different one is returned.
func (c *Client) accessToken(ctx context.Context, stale string) (string, error) {
	key := c.tokenKey()
	if stale != "" {
		c.cache.invalidate(ctx, key, stale, c.ticketKeys()...)
	}
	tok, err := c.cache.getOrFetch(ctx, key, func(ctx context.Context) (string, time.Duration, error) {
		tok, ttl, err := c.fetchToken(ctx, false)
		if err == nil && stale != "" && tok == stale && c.channel == domain.ChannelOA {
			// stable_token gave back the token WeChat just refused: ask for
			// a new one. force_refresh is rationed (20 a day) and kills the
			// old token at once, so only this case uses it.
			tok, ttl, err = c.fetchToken(ctx, true)
		}
		if err == nil {
			tokenRefreshes.WithLabelValues(string(c.channel)).Inc()
			c.log.LogAttrs(ctx, slog.LevelInfo, "wechat access token refreshed",
				slog.String("app_id", c.appID), slog.Duration("ttl", ttl))
		}
		return tok, ttl, err
	}, c.cacheWriteFailed)
	if err == errLockWait {
		return "", newError("access_token", app.Retryable, 0, "waiting for another instance to refresh the token")
	}
	return tok, err
}

func (c *Client) cacheWriteFailed(err error) {
	c.log.Warn("wechat cache write failed; the value is used uncached", slog.String("error", err.Error()))
}

type tokenAnswer struct {
	AccessToken string  `json:"access_token"`
	ExpiresIn   flexInt `json:"expires_in"`
}

// fetchToken asks WeChat for a token. Errors from the token endpoints mean
// bad credentials unless they are transient, so 40001 there is
// Misconfigured on both channels.
func (c *Client) fetchToken(ctx context.Context, force bool) (string, time.Duration, error) {
	var (
		ep  endpoint
		raw []byte
		err error
	)
	if c.channel == domain.ChannelWork {
		ep = endpoint{name: "gettoken", method: http.MethodGet, path: "/cgi-bin/gettoken"}
		raw, err = c.call(ctx, ep, url.Values{"corpid": {c.appID}, "corpsecret": {c.secret}}, nil, c.secret)
	} else {
		ep = endpoint{name: "stable_token", method: http.MethodPost, path: "/cgi-bin/stable_token"}
		raw, err = c.call(ctx, ep, nil, map[string]any{
			"grant_type": "client_credential", "appid": c.appID, "secret": c.secret, "force_refresh": force,
		}, c.secret)
	}
	if err != nil {
		var we *app.WeChatError
		if errors.As(err, &we) && we.Errcode == codeStaleToken {
			we.Kind = app.Misconfigured
		}
		return "", 0, err
	}
	var a tokenAnswer
	if err := decode(ep, raw, &a); err != nil {
		return "", 0, err
	}
	if a.AccessToken == "" {
		return "", 0, newError(ep.name, app.Retryable, 0, "the answer has no access_token")
	}
	return a.AccessToken, cacheTTL(a.ExpiresIn.N), nil
}

// withToken runs fn with an access token. If WeChat calls the token stale
// (OA 40001, 40014, 42001, 41001; WeCom 40014, 42001, 41001), the token is
// dropped with its tickets, refreshed once and fn retried once
// (DECISIONS 12). WeCom 40001 is a bad secret: the token is dropped so a
// fixed secret takes effect, but nothing is retried.
func (c *Client) withToken(ctx context.Context, fn func(token string) error) error {
	tok, err := c.accessToken(ctx, "")
	if err != nil {
		return err
	}
	err = fn(tok)
	switch {
	case staleToken(c.channel, err):
		c.log.LogAttrs(ctx, slog.LevelInfo, "wechat token refused; refreshing once",
			slog.String("app_id", c.appID), slog.Int("errcode", errcodeOf(err)))
		if tok, err = c.accessToken(ctx, tok); err != nil {
			return err
		}
		return fn(tok)
	case c.channel == domain.ChannelWork && errcodeOf(err) == codeStaleToken:
		c.cache.invalidate(ctx, c.tokenKey(), tok, c.ticketKeys()...)
	}
	return err
}

type ticketAnswer struct {
	Ticket    string  `json:"ticket"`
	ExpiresIn flexInt `json:"expires_in"`
}

// ticket returns a cached or fresh JSSDK ticket.
func (c *Client) ticket(ctx context.Context, t ticketType) (string, error) {
	var out string
	err := c.withToken(ctx, func(tok string) error {
		// The key names the token the ticket was fetched with: a ticket
		// never outlives its token in our cache, whichever instance
		// refreshed the token (wechat-protocol.md §11.3).
		v, err := c.cache.getOrFetch(ctx, c.ticketKey(t)+"_"+tokenTag(tok), func(ctx context.Context) (string, time.Duration, error) {
			return c.fetchTicket(ctx, tok, t)
		}, c.cacheWriteFailed)
		if err == errLockWait {
			return newError("ticket", app.Retryable, 0, "waiting for another instance to refresh the ticket")
		}
		out = v
		return err
	})
	return out, err
}

func (c *Client) fetchTicket(ctx context.Context, tok string, t ticketType) (string, time.Duration, error) {
	var (
		ep endpoint
		q  = url.Values{"access_token": {tok}}
	)
	switch {
	case c.channel == domain.ChannelOA:
		ep = endpoint{name: "getticket(" + string(t) + ")", method: http.MethodGet, path: "/cgi-bin/ticket/getticket"}
		q.Set("type", string(t))
	case t == ticketJSAPI:
		ep = endpoint{name: "get_jsapi_ticket", method: http.MethodGet, path: "/cgi-bin/get_jsapi_ticket"}
	default:
		ep = endpoint{name: "ticket/get(" + string(t) + ")", method: http.MethodGet, path: "/cgi-bin/ticket/get"}
		q.Set("type", string(t))
	}
	raw, err := c.call(ctx, ep, q, nil, tok)
	if err != nil {
		return "", 0, err
	}
	var a ticketAnswer
	if err := decode(ep, raw, &a); err != nil {
		return "", 0, err
	}
	if a.Ticket == "" {
		return "", 0, newError(ep.name, app.Retryable, 0, "the answer has no ticket")
	}
	return a.Ticket, cacheTTL(a.ExpiresIn.N), nil
}

// tokenTag is a short fingerprint of a token, for cache keys: never the
// token itself.
func tokenTag(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:6])
}

// Check fetches (or reads from the cache) an access token and the JSSDK
// tickets: it proves the base URL is reachable and the credentials work.
// `baoxiao doctor` uses it.
func (c *Client) Check(ctx context.Context) error {
	if _, err := c.accessToken(ctx, ""); err != nil {
		return err
	}
	_, err := c.ticket(ctx, ticketJSAPI)
	return err
}
