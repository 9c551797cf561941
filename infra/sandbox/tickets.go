package sandbox

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// JS-SDK tickets (wechat-protocol.md §2): OA jsapi and wx_card, WeCom corp
// jsapi, agent_config and wx_card. Each lives 7200 s and is tied to the
// token that fetched it: fetching again with the same token answers the
// same ticket, and a ticket stops verifying as soon as its token stops
// working (superseded, force-refreshed, expired). A client that drops its
// token must drop its tickets too. Pinned tickets (_control/tickets) are
// tied to no token, for fixed test vectors.

var ticketTypes = map[string]map[string]bool{
	channelOA:   {"jsapi": true, "wx_card": true},
	channelWork: {"jsapi": true, "agent_config": true, "wx_card": true},
}

type ticketRow struct {
	bun.BaseModel `bun:"table:sandbox_tickets"`
	Ticket        string `bun:"ticket,pk"`
	Channel       string `bun:"channel"`
	AppID         string `bun:"appid"`
	Type          string `bun:"type"`
	Token         string `bun:"token"`
	Pinned        int64  `bun:"pinned"`
	IssuedMS      int64  `bun:"issued_ms"`
	ExpiresMS     int64  `bun:"expires_ms"`
}

type ticketAnswer struct {
	wxStatus
	Ticket    string `json:"ticket"`
	ExpiresIn int64  `json:"expires_in"`
}

func (s *Sandbox) issueTicket(ctx context.Context, tok *tokenRow, typ string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowMS()
	var rows []ticketRow
	if err := s.db.NewSelect().Model(&rows).
		Where("channel = ? AND appid = ? AND type = ?", tok.Channel, tok.AppID, typ).
		Where("(pinned = 1 OR (token = ? AND expires_ms > ?))", tok.Token, now).
		OrderExpr("pinned DESC, issued_ms DESC").Limit(1).Scan(ctx); err != nil {
		return "", err
	}
	if len(rows) > 0 {
		return rows[0].Ticket, nil
	}
	t := ticketRow{
		Ticket:  randomString(86, tokenAlphabet),
		Channel: tok.Channel, AppID: tok.AppID, Type: typ, Token: tok.Token,
		IssuedMS: now, ExpiresMS: now + tokenTTL.Milliseconds(),
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*ticketRow)(nil)).
			Where("pinned = 0 AND expires_ms < ?", now-24*time.Hour.Milliseconds()).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&t).Exec(ctx)
		return err
	})
	return t.Ticket, err
}

// liveTickets are the tickets of that app and type a signature may use now.
func (s *Sandbox) liveTickets(ctx context.Context, channel, appID, typ string) ([]string, error) {
	now := s.nowMS()
	var rows []ticketRow
	if err := s.db.NewSelect().Model(&rows).
		Where("channel = ? AND appid = ? AND type = ?", channel, appID, typ).
		Where("(pinned = 1 OR expires_ms > ?)", now).
		OrderExpr("pinned DESC, issued_ms DESC").Scan(ctx); err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rows {
		if r.Pinned == 1 {
			out = append(out, r.Ticket)
			continue
		}
		var t tokenRow
		if err := s.db.NewSelect().Model(&t).Where("token = ?", r.Token).Scan(ctx); err != nil {
			continue // its token is gone, so is the ticket
		}
		if t.state(now) == 0 {
			out = append(out, r.Ticket)
		}
	}
	return out, nil
}

// pinTicket makes ticket the one getticket answers for that app and type,
// whatever the token, until unpinned (an empty ticket unpins).
func (s *Sandbox) pinTicket(ctx context.Context, channel, appID, typ, ticket string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*ticketRow)(nil)).
			Where("(channel = ? AND appid = ? AND type = ? AND pinned = 1) OR ticket = ?", channel, appID, typ, ticket).
			Exec(ctx); err != nil {
			return err
		}
		if ticket == "" {
			return nil
		}
		now := s.nowMS()
		_, err := tx.NewInsert().Model(&ticketRow{
			Ticket: ticket, Channel: channel, AppID: appID, Type: typ, Pinned: 1,
			IssuedMS: now, ExpiresMS: now + tokenTTL.Milliseconds(),
		}).Exec(ctx)
		return err
	})
}

func (s *Sandbox) answerTicket(c *fiber.Ctx, channel, typ string) error {
	tok, ok := s.authToken(c, channel)
	if !ok {
		return nil
	}
	if !ticketTypes[channel][typ] {
		return fail(c, 40097)
	}
	t, err := s.issueTicket(c.UserContext(), tok, typ)
	if err != nil {
		return err
	}
	return reply(c, ticketAnswer{okStatus(), t, int64(tokenTTL / time.Second)})
}

// GET /cgi-bin/ticket/getticket?access_token&type=jsapi|wx_card (OA)
func (s *Sandbox) handleOATicket(c *fiber.Ctx) error {
	return s.answerTicket(c, channelOA, c.Query("type"))
}

// GET /cgi-bin/get_jsapi_ticket?access_token (WeCom corp ticket)
func (s *Sandbox) handleWorkJSAPITicket(c *fiber.Ctx) error {
	return s.answerTicket(c, channelWork, "jsapi")
}

// GET /cgi-bin/ticket/get?access_token&type=agent_config|wx_card (WeCom)
func (s *Sandbox) handleWorkTicket(c *fiber.Ctx) error {
	typ := c.Query("type")
	if typ == "jsapi" {
		return fail(c, 40097) // the corp ticket has its own path
	}
	return s.answerTicket(c, channelWork, typ)
}
