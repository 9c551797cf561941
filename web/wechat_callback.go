package web

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"encoding/xml"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/silenceper/wechat/v2/util"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/notify"
	"github.com/baoxiao/baoxiao/domain"
)

// CallbackConfig is one channel's callback URL settings.
type CallbackConfig struct {
	AppID          string // OA appid, or WeCom corp id (the AES receive id)
	Token          string // "" = no callback verifies
	EncodingAESKey string // "" = plaintext (OA only; WeCom always encrypts)
	// Now is the clock the timestamp window is measured with; nil means
	// time.Now.
	Now func() time.Time
}

// CallbackWindow is how far a callback's signed timestamp may be from our
// clock, either way. Outside it a captured callback cannot be replayed;
// inside it the de-duplication of events stops repeats.
const CallbackWindow = 5 * time.Minute

type callbackHandler struct {
	events  *app.Events
	cards   *notify.Cards        // nil: card clicks are acknowledged only
	jobs    *notify.TemplateJobs // nil: OA template job results are acknowledged only
	channel domain.Channel
	cfg     CallbackConfig
}

func sha1Sorted(parts ...string) string {
	sort.Strings(parts)
	h := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(h[:])
}

func sameString(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

var (
	errBadCallbackSignature = domain.ErrSignatureInvalid.WithMessage("the WeChat callback signature does not verify")
	errStaleCallback        = domain.ErrSignatureReplayed.WithMessage("the WeChat callback timestamp is more than 5 minutes away from the server's clock")
	errNoCallbackKey        = domain.ErrSignatureInvalid.WithMessage("an encrypted WeChat callback, but no EncodingAESKey is configured")
	errPlaintextCallback    = domain.ErrSignatureInvalid.WithMessage("this callback URL takes encrypted messages only (encrypt_type=aes and msg_signature)")
)

// signed reports whether sig is WeChat's signature of parts under the
// channel's token. An empty token never verifies: its signature is
// public, so accepting it would let anyone forge callbacks (config refuses
// it in live mode; this is the second line).
func (h *callbackHandler) signed(sig string, parts ...string) bool {
	if h.cfg.Token == "" || sig == "" {
		return false
	}
	return sameString(sig, sha1Sorted(append([]string{h.cfg.Token}, parts...)...))
}

// fresh refuses a timestamp outside CallbackWindow. It is checked after
// the signature, since only a signed timestamp says anything.
func (h *callbackHandler) fresh(ts string) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errStaleCallback
	}
	now := time.Now
	if h.cfg.Now != nil {
		now = h.cfg.Now
	}
	if d := now().Sub(time.Unix(sec, 0)); d > CallbackWindow || d < -CallbackWindow {
		return errStaleCallback
	}
	return nil
}

// encrypted reports whether the channel takes only encrypted messages:
// WeCom always, OA once an EncodingAESKey is configured. The plaintext
// signature covers neither the body nor the time, so with a key it is not
// enough.
func (h *callbackHandler) encrypted() bool {
	return h.channel == domain.ChannelWork || h.cfg.EncodingAESKey != ""
}

// verify answers WeChat's URL check: OA signs token+timestamp+nonce and
// wants echostr back (also with a key: WeChat's OA check is never
// encrypted); WeCom also signs the encrypted echostr and wants it
// decrypted (wechat-protocol.md §7). Both need a fresh timestamp.
func (h *callbackHandler) verify(c *fiber.Ctx) error {
	ts, nonce, echo := c.Query("timestamp"), c.Query("nonce"), c.Query("echostr")
	if h.channel == domain.ChannelOA {
		if !h.signed(c.Query("signature"), ts, nonce) {
			return errBadCallbackSignature
		}
		if err := h.fresh(ts); err != nil {
			return err
		}
		return c.SendString(echo)
	}
	if !h.signed(c.Query("msg_signature"), ts, nonce, echo) {
		return errBadCallbackSignature
	}
	if err := h.fresh(ts); err != nil {
		return err
	}
	_, plain, err := util.DecryptMsg(h.cfg.AppID, echo, h.cfg.EncodingAESKey)
	if err != nil {
		return errBadCallbackSignature
	}
	return c.Send(plain)
}

// open checks a pushed message's signature and time and returns its
// plaintext XML. With a key only the encrypted form is taken:
// msg_signature covers token, timestamp, nonce and the ciphertext.
func (h *callbackHandler) open(c *fiber.Ctx) ([]byte, error) {
	ts, nonce := c.Query("timestamp"), c.Query("nonce")
	body := c.Body()
	if !h.encrypted() {
		if c.Query("encrypt_type") == "aes" {
			// WeChat encrypts only when told a key we do not have.
			return nil, errNoCallbackKey
		}
		if !h.signed(c.Query("signature"), ts, nonce) {
			return nil, errBadCallbackSignature
		}
		return body, h.fresh(ts)
	}
	if h.channel == domain.ChannelOA && c.Query("encrypt_type") != "aes" {
		return nil, errPlaintextCallback
	}
	var env encryptedEnvelope
	if err := xml.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
		return nil, domain.ErrInvalidInput.WithMessage("expected an encrypted WeChat message")
	}
	if !h.signed(c.Query("msg_signature"), ts, nonce, env.Encrypt) {
		return nil, errBadCallbackSignature
	}
	if err := h.fresh(ts); err != nil {
		return nil, err
	}
	_, plain, err := util.DecryptMsg(h.cfg.AppID, env.Encrypt, h.cfg.EncodingAESKey)
	if err != nil {
		return nil, errBadCallbackSignature
	}
	return plain, nil
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
	// template_card_event (WeCom): the button clicked on which card.
	EventKey     string `xml:"EventKey"`
	TaskID       string `xml:"TaskId"`
	ResponseCode string `xml:"ResponseCode"`
	// TEMPLATESENDJOBFINISH (OA): which template message, and its Status.
	MsgID string `xml:"MsgID"`
}

// receive takes a pushed message. It answers "success" quickly for
// anything it does not handle, so WeChat does not retry it.
func (h *callbackHandler) receive(c *fiber.Ctx) error {
	body, err := h.open(c)
	if err != nil {
		return err
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
	if msg.MsgType == "event" && msg.Event == "template_card_event" && h.channel == domain.ChannelWork && h.cards != nil {
		// The approval runs now, through the workflow; the clicker's card
		// is updated with the event's response_code (answering "success"
		// rather than a passive reply).
		h.cards.Clicked(c.UserContext(), msg.FromUserName, msg.TaskID, msg.EventKey, msg.ResponseCode)
	}
	if msg.MsgType == "event" && msg.Event == "TEMPLATESENDJOBFINISH" && h.channel == domain.ChannelOA && h.jobs != nil {
		if err := h.jobs.Finished(c.UserContext(), strings.TrimSpace(msg.MsgID), msg.Status); err != nil {
			// Unknown yet, or not recorded: WeChat pushes it again.
			slog.InfoContext(c.UserContext(), "template job result not recorded", "msgid", msg.MsgID, "status", msg.Status, "err", err)
			return err
		}
	}
	return c.SendString("success")
}
