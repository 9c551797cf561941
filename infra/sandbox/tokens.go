package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// Access tokens (wechat-protocol.md §2). Three kinds:
//   - "token":  OA /cgi-bin/token. Each fetch supersedes the app's earlier
//     ones: they keep working for Options.TokenGrace (300 s), then 40001.
//   - "stable": OA /cgi-bin/stable_token. The same token until its last
//     5 minutes (then a new one, both valid meanwhile); force_refresh kills
//     the current one at once (40001).
//   - "work":   WeCom /cgi-bin/gettoken. The same token while it is valid.
// Every token is bound to (channel, appid): on another channel's path it is
// 40014. Past expires_ms, or after _control/tokens/expire, it is 42001.

const tokenTTL = 7200 * time.Second

type tokenRow struct {
	bun.BaseModel `bun:"table:sandbox_tokens"`
	Token         string `bun:"token,pk"`
	Channel       string `bun:"channel"`
	AppID         string `bun:"appid"`
	Kind          string `bun:"kind"`
	IssuedMS      int64  `bun:"issued_ms"`
	ExpiresMS     int64  `bun:"expires_ms"`
	DiesMS        int64  `bun:"dies_ms"` // 0: not superseded or killed
	Expired       int64  `bun:"expired"` // 1: _control/tokens/expire
}

const tokenAlphabet = alnum + "_-"

// state is the errcode a call with this token gets now: 0 when valid.
func (t *tokenRow) state(nowMS int64) int {
	switch {
	case t.Expired != 0:
		return 42001
	case t.DiesMS != 0 && nowMS >= t.DiesMS && t.DiesMS < t.ExpiresMS:
		return 40001 // superseded or force-refreshed
	case nowMS >= t.ExpiresMS:
		return 42001
	}
	return 0
}

// issueToken stores a new token. supersede sets, for the app's earlier
// tokens of that kind, the moment they stop working (0 = leave them).
func (s *Sandbox) issueToken(ctx context.Context, channel, appID, kind string, killAfter time.Duration, supersede bool) (*tokenRow, error) {
	now := s.nowMS()
	t := &tokenRow{
		Token:   randomString(24, "0123456789") + "_" + randomString(110, tokenAlphabet),
		Channel: channel, AppID: appID, Kind: kind,
		IssuedMS: now, ExpiresMS: now + tokenTTL.Milliseconds(),
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if supersede {
			dies := now + killAfter.Milliseconds()
			if _, err := tx.NewUpdate().Model((*tokenRow)(nil)).
				Set("dies_ms = ?", dies).
				Where("channel = ? AND appid = ? AND kind = ?", channel, appID, kind).
				Where("(dies_ms = 0 OR dies_ms > ?)", dies).
				Exec(ctx); err != nil {
				return err
			}
		}
		// Keep the table small: tokens dead for a day are of no use.
		if _, err := tx.NewDelete().Model((*tokenRow)(nil)).
			Where("expires_ms < ?", now-24*time.Hour.Milliseconds()).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(t).Exec(ctx)
		return err
	})
	return t, err
}

// liveToken is the newest token of that kind still valid for at least
// minLeft, or nil.
func (s *Sandbox) liveToken(ctx context.Context, channel, appID, kind string, minLeft time.Duration) (*tokenRow, error) {
	var rows []tokenRow
	if err := s.db.NewSelect().Model(&rows).
		Where("channel = ? AND appid = ? AND kind = ?", channel, appID, kind).
		Where("expires_ms > ?", s.nowMS()+minLeft.Milliseconds()).
		OrderExpr("issued_ms DESC").Scan(ctx); err != nil {
		return nil, err
	}
	now := s.nowMS()
	for i := range rows {
		if rows[i].state(now) == 0 && rows[i].DiesMS == 0 {
			return &rows[i], nil
		}
	}
	return nil, nil
}

// authToken checks the access_token query parameter for a call on
// channel's paths. It answers the errcode itself when the token fails.
func (s *Sandbox) authToken(c *fiber.Ctx, channel string) (*tokenRow, bool) {
	tok := c.Query("access_token")
	if tok == "" {
		_ = fail(c, 41001)
		return nil, false
	}
	var t tokenRow
	err := s.db.NewSelect().Model(&t).Where("token = ?", tok).Scan(c.UserContext())
	if errors.Is(err, sql.ErrNoRows) || (err == nil && t.Channel != channel) {
		_ = fail(c, 40014)
		return nil, false
	}
	if err != nil {
		s.internal(c, "load token", err)
		return nil, false
	}
	if code := t.state(s.nowMS()); code != 0 {
		_ = fail(c, code)
		return nil, false
	}
	return &t, true
}

type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// GET /cgi-bin/token?grant_type=client_credential&appid&secret
func (s *Sandbox) handleToken(c *fiber.Ctx) error {
	if c.Query("grant_type") != "client_credential" {
		return fail(c, 40002)
	}
	appID, secret := c.Query("appid"), c.Query("secret")
	if code := s.checkOACredentials(appID, secret); code != 0 {
		return fail(c, code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.issueToken(c.UserContext(), channelOA, appID, "token", s.opts.TokenGrace, true)
	if err != nil {
		return err
	}
	// Success carries no errcode, as WeChat's.
	return reply(c, tokenAnswer{t.Token, int64(tokenTTL / time.Second)})
}

func (s *Sandbox) checkOACredentials(appID, secret string) int {
	switch {
	case appID == "":
		return 41002
	case appID != s.oa.appID:
		return 40013
	case secret == "":
		return 41004
	case secret != s.oa.secret:
		return 40125
	}
	return 0
}

// POST /cgi-bin/stable_token {grant_type, appid, secret, force_refresh}
func (s *Sandbox) handleStableToken(c *fiber.Ctx) error {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if !decodeBody(c, &req) {
		return fail(c, 47001)
	}
	if req.GrantType != "client_credential" {
		return fail(c, 40002)
	}
	if code := s.checkOACredentials(req.AppID, req.Secret); code != 0 {
		return fail(c, code)
	}
	ctx := c.UserContext()
	s.mu.Lock()
	defer s.mu.Unlock()
	// In its last 5 minutes the stable token is renewed; both stay valid.
	cur, err := s.liveToken(ctx, channelOA, req.AppID, "stable", 5*time.Minute)
	if err != nil {
		return err
	}
	if cur != nil && req.ForceRefresh && s.nowMS()-cur.IssuedMS < 30_000 {
		// WeChat ignores force refreshes less than 30 s apart.
		req.ForceRefresh = false
	}
	if cur == nil || req.ForceRefresh {
		cur, err = s.issueToken(ctx, channelOA, req.AppID, "stable", 0, req.ForceRefresh)
		if err != nil {
			return err
		}
	}
	// expires_in is the time left (≥ 300 s), as WeChat's stable_token.
	return reply(c, tokenAnswer{cur.Token, (cur.ExpiresMS - s.nowMS()) / 1000})
}

// GET /cgi-bin/gettoken?corpid&corpsecret
func (s *Sandbox) handleWorkToken(c *fiber.Ctx) error {
	corpID, secret := c.Query("corpid"), c.Query("corpsecret")
	switch {
	case corpID == "":
		return fail(c, 41002)
	case corpID != s.work.appID:
		return fail(c, 40013)
	case secret == "":
		return fail(c, 41004)
	case secret != s.work.secret:
		// WeCom 40001 is a bad secret: configuration, never retry.
		return fail(c, 40001)
	}
	ctx := c.UserContext()
	s.mu.Lock()
	defer s.mu.Unlock()
	// WeCom answers the same token while it is valid. A token with under
	// 30 minutes left is replaced (the old one lives on until it expires),
	// so a client subtracting a margin from expires_in never caches a dead
	// token for long.
	cur, err := s.liveToken(ctx, channelWork, corpID, "work", 30*time.Minute)
	if err != nil {
		return err
	}
	if cur == nil {
		if cur, err = s.issueToken(ctx, channelWork, corpID, "work", 0, false); err != nil {
			return err
		}
	}
	return reply(c, struct {
		wxStatus
		tokenAnswer
	}{okStatus(), tokenAnswer{cur.Token, int64(tokenTTL / time.Second)}})
}

// expireAllTokens makes every issued token answer 42001.
func (s *Sandbox) expireAllTokens(ctx context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	res, err := s.db.NewUpdate().Model((*tokenRow)(nil)).Set("expired = 1").Where("expired = 0").Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return n, nil
}
