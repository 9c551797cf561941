package web

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"encoding/xml"
	"log/slog"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/silenceper/wechat/v2/util"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// CallbackConfig is one channel's callback URL settings.
type CallbackConfig struct {
	AppID          string // OA appid, or WeCom corp id (the AES receive id)
	Token          string
	EncodingAESKey string // "" = plaintext (OA only; WeCom always encrypts)
}

type callbackHandler struct {
	events  *app.Events
	channel domain.Channel
	cfg     CallbackConfig
}

func sha1Sorted(parts ...string) string {
	sort.Strings(parts)
	h := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(h[:])
}

func sameString(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

var errBadCallbackSignature = domain.ErrSignatureInvalid.WithMessage("the WeChat callback signature does not verify")

// verify answers WeChat's URL check: OA signs token+timestamp+nonce and
// wants echostr back; WeCom also signs the encrypted echostr and wants it
// decrypted (wechat-protocol.md §7).
func (h *callbackHandler) verify(c *fiber.Ctx) error {
	ts, nonce, echo := c.Query("timestamp"), c.Query("nonce"), c.Query("echostr")
	if h.channel == domain.ChannelOA {
		if !sameString(c.Query("signature"), sha1Sorted(h.cfg.Token, ts, nonce)) {
			return errBadCallbackSignature
		}
		return c.SendString(echo)
	}
	if !sameString(c.Query("msg_signature"), sha1Sorted(h.cfg.Token, ts, nonce, echo)) {
		return errBadCallbackSignature
	}
	_, plain, err := util.DecryptMsg(h.cfg.AppID, echo, h.cfg.EncodingAESKey)
	if err != nil {
		return errBadCallbackSignature
	}
	return c.Send(plain)
}

type encryptedEnvelope struct {
	Encrypt string `xml:"Encrypt"`
}

type eventMessage struct {
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Event        string `xml:"Event"`
	Status       string `xml:"Status"`
	CardID       string `xml:"CardId"`
	Code         string `xml:"Code"`
}

// receive takes a pushed message. It answers "success" quickly for
// anything it does not handle, so WeChat does not retry it.
func (h *callbackHandler) receive(c *fiber.Ctx) error {
	ts, nonce := c.Query("timestamp"), c.Query("nonce")
	body := c.Body()
	encrypted := h.channel == domain.ChannelWork || c.Query("encrypt_type") == "aes"
	if !encrypted {
		if !sameString(c.Query("signature"), sha1Sorted(h.cfg.Token, ts, nonce)) {
			return errBadCallbackSignature
		}
	} else {
		var env encryptedEnvelope
		if err := xml.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
			return domain.ErrInvalidInput.WithMessage("expected an encrypted WeChat message")
		}
		if !sameString(c.Query("msg_signature"), sha1Sorted(h.cfg.Token, ts, nonce, env.Encrypt)) {
			return errBadCallbackSignature
		}
		_, plain, err := util.DecryptMsg(h.cfg.AppID, env.Encrypt, h.cfg.EncodingAESKey)
		if err != nil {
			return errBadCallbackSignature
		}
		body = plain
	}
	var msg eventMessage
	if err := xml.Unmarshal(body, &msg); err != nil {
		return domain.ErrInvalidInput.WithMessage("the WeChat message is not valid XML")
	}
	if msg.MsgType == "event" && msg.Event == "update_invoice_status" {
		ev := app.InvoiceEvent{
			Channel: h.channel, OpenID: msg.FromUserName, CreateTime: msg.CreateTime,
			CardID: msg.CardID, Code: msg.Code, Status: msg.Status,
		}
		if err := h.events.InvoiceStatusChanged(c.UserContext(), ev); err != nil {
			// Answer an error so WeChat pushes again.
			slog.ErrorContext(c.UserContext(), "apply invoice event", "card_id", msg.CardID, "err", err)
			return err
		}
	}
	return c.SendString("success")
}
