package wechat

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/notify"
	"github.com/baoxiao/baoxiao/domain"
)

// Message calls (issue 17, approval-notify.md §1–2). silenceper's message
// clients hard-code their hosts, send agentid as a string and have no card
// types, so these are ours, on the same token, timeout and size limits as
// every other call (DECISIONS 14).

type workCardButton struct {
	Type  int    `json:"type"` // 0 callback, 1 URL
	Text  string `json:"text"`
	Style int    `json:"style,omitempty"`
	Key   string `json:"key,omitempty"`
	URL   string `json:"url,omitempty"`
}

type workCard struct {
	CardType  string `json:"card_type"`
	MainTitle struct {
		Title string `json:"title"`
		Desc  string `json:"desc,omitempty"`
	} `json:"main_title"`
	SubTitleText string           `json:"sub_title_text,omitempty"`
	TaskID       string           `json:"task_id"`
	ButtonList   []workCardButton `json:"button_list"`
	CardAction   *struct {
		Type int    `json:"type"`
		URL  string `json:"url"`
	} `json:"card_action,omitempty"`
}

type workTextCard struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	BtnTxt      string `json:"btntxt,omitempty"`
}

type workSend struct {
	ToUser                 string        `json:"touser"`
	MsgType                string        `json:"msgtype"`
	AgentID                int64         `json:"agentid"`
	TextCard               *workTextCard `json:"textcard,omitempty"`
	TemplateCard           *workCard     `json:"template_card,omitempty"`
	EnableDuplicateCheck   int           `json:"enable_duplicate_check"`
	DuplicateCheckInterval int           `json:"duplicate_check_interval,omitempty"`
}

type workSendAnswer struct {
	InvalidUser  string `json:"invaliduser"`
	MsgID        string `json:"msgid"`
	ResponseCode string `json:"response_code"`
}

func (c *Client) agent(api string) (int64, error) {
	if c.channel != domain.ChannelWork {
		return 0, newError(api, app.Misconfigured, 0, "a WeCom call on the Official Account client")
	}
	id, err := strconv.ParseInt(c.agentID, 10, 64)
	if err != nil {
		return 0, newError(api, app.Misconfigured, 0, "wechat.work.agent_id is not an integer")
	}
	return id, nil
}

// SendWorkMessage sends one WeCom app message (/cgi-bin/message/send): a
// button_interaction template card when m.TaskID is set, else a textcard.
// The duplicate check is on, so a send repeated after an unclear answer
// is not shown twice.
func (c *Client) SendWorkMessage(ctx context.Context, m notify.WorkMessage) (notify.WorkSent, error) {
	ep := c.endpoint("message/send", "/cgi-bin/message/send", true)
	agent, err := c.agent(ep.name)
	if err != nil {
		return notify.WorkSent{}, err
	}
	req := workSend{ToUser: m.ToUser, AgentID: agent, EnableDuplicateCheck: 1, DuplicateCheckInterval: 4 * 3600}
	if m.TaskID != "" {
		card := &workCard{CardType: "button_interaction", SubTitleText: m.Description, TaskID: m.TaskID}
		card.MainTitle.Title = m.Title
		card.ButtonList = []workCardButton{{Type: 0, Text: "同意", Style: 1, Key: notify.KeyApprove}}
		if m.URL != "" {
			card.ButtonList = append(card.ButtonList, workCardButton{Type: 1, Text: "打开", Style: 2, URL: m.URL})
			card.CardAction = &struct {
				Type int    `json:"type"`
				URL  string `json:"url"`
			}{1, m.URL}
		}
		req.MsgType, req.TemplateCard = "template_card", card
	} else {
		req.MsgType = "textcard"
		req.TextCard = &workTextCard{Title: m.Title, Description: m.Description, URL: m.URL, BtnTxt: "详情"}
	}
	raw, err := c.post(ctx, ep, req)
	if err != nil {
		return notify.WorkSent{}, err
	}
	var ans workSendAnswer
	if err := decode(ep, raw, &ans); err != nil {
		return notify.WorkSent{}, err
	}
	if ans.InvalidUser != "" {
		// Sent to nobody we asked for: the member is gone or out of range.
		return notify.WorkSent{}, newError(ep.name, app.Refused, 81013, "invalid user")
	}
	return notify.WorkSent{MsgID: ans.MsgID, ResponseCode: ans.ResponseCode}, nil
}

// UpdateCard greys the buttons of one member's card
// (/cgi-bin/message/update_template_card); a response_code works once.
func (c *Client) UpdateCard(ctx context.Context, userID, responseCode, replaceName string) error {
	ep := c.endpoint("message/update_template_card", "/cgi-bin/message/update_template_card", true)
	agent, err := c.agent(ep.name)
	if err != nil {
		return err
	}
	body := map[string]any{
		"userids": []string{userID}, "agentid": agent, "response_code": responseCode,
		"button": map[string]string{"replace_name": replaceName},
	}
	_, err = c.post(ctx, ep, body)
	return err
}

// Follows says whether an openid follows the Official Account
// (/cgi-bin/user/info, subscribe = 1).
func (c *Client) Follows(ctx context.Context, openID string) (bool, error) {
	ep := endpoint{name: "user/info", method: http.MethodGet, path: "/cgi-bin/user/info"}
	if c.channel != domain.ChannelOA {
		return false, newError(ep.name, app.Misconfigured, 0, "an OA call on the WeCom client")
	}
	var raw []byte
	err := c.withToken(ctx, func(tok string) error {
		var err error
		raw, err = c.call(ctx, ep, url.Values{"access_token": {tok}, "openid": {openID}, "lang": {"zh_CN"}}, nil, tok)
		return err
	})
	if err != nil {
		return false, err
	}
	var ans struct {
		Subscribe flexInt `json:"subscribe"`
	}
	if err := decode(ep, raw, &ans); err != nil {
		return false, err
	}
	return ans.Subscribe.N == 1, nil
}

type templateValue struct {
	Value string `json:"value"`
}

// SendTemplate sends an OA template message
// (/cgi-bin/message/template/send); client_msg_id makes a repeat within
// WeChat's window a no-op.
func (c *Client) SendTemplate(ctx context.Context, m notify.TemplateMessage) (int64, error) {
	ep := c.endpoint("message/template/send", "/cgi-bin/message/template/send", true)
	if c.channel != domain.ChannelOA {
		return 0, newError(ep.name, app.Misconfigured, 0, "an OA call on the WeCom client")
	}
	data := make(map[string]templateValue, len(m.Data))
	for k, v := range m.Data {
		data[k] = templateValue{Value: v}
	}
	body := map[string]any{"touser": m.ToUser, "template_id": m.TemplateID, "data": data, "client_msg_id": m.ClientMsgID}
	if m.URL != "" {
		body["url"] = m.URL
	}
	raw, err := c.post(ctx, ep, body)
	if err != nil {
		return 0, err
	}
	var ans struct {
		MsgID json.Number `json:"msgid"`
	}
	if err := decode(ep, raw, &ans); err != nil {
		return 0, err
	}
	id, _ := ans.MsgID.Int64()
	return id, nil
}

var (
	_ notify.WorkMessenger = (*Client)(nil)
	_ notify.OAMessenger   = (*Client)(nil)
)
