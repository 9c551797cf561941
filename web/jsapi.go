package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

type jsapiHandler struct{ jsapi *app.JSAPI }

type agentConfigView struct {
	CorpID    string `json:"corp_id"`
	AgentID   string `json:"agent_id"`
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonce_str"`
	Signature string `json:"signature"`
}

type jsConfigView struct {
	Channel     string           `json:"channel"`
	AppID       string           `json:"app_id"`
	Timestamp   int64            `json:"timestamp"`
	NonceStr    string           `json:"nonce_str"`
	Signature   string           `json:"signature"`
	JSAPIList   []string         `json:"js_api_list"`
	AgentConfig *agentConfigView `json:"agent_config,omitempty"`
}

func sessionChannel(c *fiber.Ctx) (domain.Channel, error) {
	ch := currentSession(c).Channel
	if ch == "" {
		return "", domain.ErrForbidden.WithMessage("you are not signed in through WeChat or WeCom, so there is no wallet to pick from")
	}
	return ch, nil
}

func (h *jsapiHandler) config(c *fiber.Ctx) error {
	ch, err := sessionChannel(c)
	if err != nil {
		return err
	}
	cfg, err := h.jsapi.Config(c.UserContext(), ch, c.Query("url"))
	if err != nil {
		return err
	}
	v := jsConfigView{
		Channel: string(ch), AppID: cfg.AppID, Timestamp: cfg.Timestamp, NonceStr: cfg.NonceStr,
		Signature: cfg.Signature, JSAPIList: []string{"chooseInvoice"},
	}
	if a := cfg.Agent; a != nil {
		v.AgentConfig = &agentConfigView{CorpID: a.CorpID, AgentID: a.AgentID, Timestamp: a.Timestamp, NonceStr: a.NonceStr, Signature: a.Signature}
	}
	return c.JSON(v)
}

type chooseInvoiceSignRequest struct {
	URL string `json:"url"`
}

func (r *chooseInvoiceSignRequest) validate() error {
	if r.URL == "" {
		return domain.Invalid("url", "required")
	}
	return nil
}

type cardSignView struct {
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonce_str"`
	SignType  string `json:"sign_type"`
	CardSign  string `json:"card_sign"`
}

func (h *jsapiHandler) chooseInvoiceSign(c *fiber.Ctx) error {
	var req chooseInvoiceSignRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ch, err := sessionChannel(c)
	if err != nil {
		return err
	}
	s, err := h.jsapi.ChooseInvoiceSign(c.UserContext(), ch, req.URL)
	if err != nil {
		return err
	}
	return c.JSON(cardSignView{Timestamp: s.Timestamp, NonceStr: s.NonceStr, SignType: s.SignType, CardSign: s.CardSign})
}
