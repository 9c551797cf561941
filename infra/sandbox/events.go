package sandbox

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Event push (wechat-protocol.md §7): when an issuer changes an invoice's
// status, WeChat posts update_invoice_status to the callback URL, signed
// with the callback token: plaintext or AES on OA, always AES on WeCom.
// Each delivery gets EventTimeout (5 s) and EventAttempts tries (3), in a
// goroutine owned by the Sandbox: Close cancels and waits for it.

type statusEvent struct {
	app        appConfig
	owner      string // FromUserName: the wallet owner's openid
	cardID     string
	code       string // the plain code
	status     string
	createTime int64
}

func (e statusEvent) xml() string {
	var b strings.Builder
	b.WriteString("<xml>")
	cdata(&b, "ToUserName", e.toUserName())
	cdata(&b, "FromUserName", e.owner)
	fmt.Fprintf(&b, "<CreateTime>%d</CreateTime>", e.createTime)
	cdata(&b, "MsgType", "event")
	cdata(&b, "Event", "update_invoice_status")
	cdata(&b, "Status", e.status)
	cdata(&b, "CardId", e.cardID)
	cdata(&b, "Code", e.code)
	if e.app.channel == channelWork {
		fmt.Fprintf(&b, "<AgentID>%s</AgentID>", e.app.agentID)
	}
	b.WriteString("</xml>")
	return b.String()
}

func (e statusEvent) toUserName() string {
	if e.app.channel == channelWork {
		return e.app.appID // WeCom: the corp id
	}
	return e.app.originalID
}

func cdata(b *strings.Builder, tag, v string) {
	v = strings.ReplaceAll(v, "]]>", "]]]]><![CDATA[>")
	fmt.Fprintf(b, "<%s><![CDATA[%s]]></%s>", tag, v, tag)
}

// pushStatusEvent queues update_invoice_status for inv's new status.
func (s *Sandbox) pushStatusEvent(inv invoiceRow) {
	app := s.appFor(inv.Channel)
	if app.callbackURL == "" {
		s.log.Debug("no callback URL: event not pushed", "channel", app.channel)
		return
	}
	if app.channel == channelWork && app.aesKey == "" {
		s.log.Warn("WeCom callbacks are always encrypted and no EncodingAESKey is set: event not pushed")
		return
	}
	e := statusEvent{app: app, owner: inv.OwnerOpenID, cardID: inv.CardID, code: inv.Code,
		status: inv.Status, createTime: s.now().Unix()}
	copies := 1
	if s.ctl.switches().EventDuplicates {
		copies = 2 // WeChat may deliver an event twice
	}
	for range copies {
		s.background(func(ctx context.Context) { s.deliver(ctx, e) })
	}
}

// background runs fn in a goroutine Close waits for; after Close it
// does nothing.
func (s *Sandbox) background(fn func(ctx context.Context)) {
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	if s.closed {
		return
	}
	s.wg.Add(1)
	s.inFlight.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.inFlight.Add(-1)
		fn(s.ctx)
	}()
}

// deliver pushes e, retrying.
func (s *Sandbox) deliver(ctx context.Context, e statusEvent) {
	s.deliverXML(ctx, e.app, e.owner, e.xml(), pushRecord{Status: e.status, CardID: e.cardID, Code: e.code})
}

// deliverXML pushes one message from owner to the app's callback URL,
// retrying, and logs each attempt as rec. It answers the last attempt's
// HTTP status and error.
func (s *Sandbox) deliverXML(ctx context.Context, app appConfig, owner, plain string, rec pushRecord) (int, error) {
	var status int
	var err error
	for attempt := 1; attempt <= s.opts.EventAttempts; attempt++ {
		status, err = s.pushOnce(ctx, app, owner, plain, rec, attempt)
		if err == nil && status/100 == 2 {
			return status, nil
		}
		s.log.Info("event push failed", "channel", app.channel, "attempt", attempt, "status", status, "err", errString(err))
		if attempt == s.opts.EventAttempts {
			break
		}
		select {
		case <-ctx.Done():
			return status, ctx.Err()
		case <-time.After(s.opts.EventRetryDelay):
		}
	}
	return status, err
}

// pushOnce makes one attempt, signed when it is sent: baoxiao refuses a
// callback whose signed timestamp is more than 5 minutes from its clock,
// so a retry must not carry the first attempt's time.
func (s *Sandbox) pushOnce(ctx context.Context, app appConfig, owner, plain string, rec pushRecord, attempt int) (int, error) {
	target, body, err := s.signedXML(app, owner, plain)
	if err != nil {
		s.log.Error("build event push", "err", err)
		return 0, err
	}
	status, err := s.post(ctx, target, body)
	rec.At, rec.Channel, rec.Attempt, rec.HTTPStatus, rec.Error, rec.OpenID = s.now().UTC().Format(time.RFC3339Nano), app.channel, attempt, status, errString(err), owner
	s.ctl.recordPush(rec)
	return status, err
}

// errString describes a delivery failure without the URL, whose query
// holds the owner's openid.
func errString(err error) string {
	if err == nil {
		return ""
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

func (s *Sandbox) post(ctx context.Context, target string, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.EventTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("User-Agent", "Mozilla/4.0 (baoxiao sandbox; WeChat event push)")
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// signedXML signs (and encrypts, as the app's mode says) one pushed
// message from owner to the app's callback URL, stamped with the current
// time: plaintext carries signature (token, timestamp, nonce); AES carries
// msg_signature, which also covers the ciphertext and is what baoxiao
// requires once it has the key.
func (s *Sandbox) signedXML(app appConfig, owner, plain string) (string, []byte, error) {
	e := struct {
		app   appConfig
		owner string
	}{app, owner}
	u, err := url.Parse(e.app.callbackURL)
	if err != nil {
		return "", nil, fmt.Errorf("callback URL: %w", err)
	}
	q := u.Query()
	ts := strconv.FormatInt(s.now().Unix(), 10)
	nonce := randomDigits(10)
	q.Set("timestamp", ts)
	q.Set("nonce", nonce)
	var body string
	switch {
	case e.app.channel == channelWork:
		enc, err := encryptMsg(e.app.aesKey, e.app.appID, []byte(plain))
		if err != nil {
			return "", nil, err
		}
		q.Set("msg_signature", sha1Sorted(e.app.callbackToken, ts, nonce, enc))
		body = "<xml><ToUserName><![CDATA[" + e.app.appID + "]]></ToUserName><AgentID><![CDATA[" +
			e.app.agentID + "]]></AgentID><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	case e.app.aesKey != "":
		enc, err := encryptMsg(e.app.aesKey, e.app.appID, []byte(plain))
		if err != nil {
			return "", nil, err
		}
		q.Set("signature", sha1Sorted(e.app.callbackToken, ts, nonce))
		q.Set("openid", e.owner)
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", sha1Sorted(e.app.callbackToken, ts, nonce, enc))
		body = "<xml><ToUserName><![CDATA[" + e.app.originalID + "]]></ToUserName><Encrypt><![CDATA[" +
			enc + "]]></Encrypt></xml>"
	default:
		q.Set("signature", sha1Sorted(e.app.callbackToken, ts, nonce))
		q.Set("openid", e.owner)
		body = plain
	}
	u.RawQuery = q.Encode()
	return u.String(), []byte(body), nil
}

// checkAESKey accepts "" (plaintext) or a 43-character EncodingAESKey.
func checkAESKey(k string) error {
	if k == "" {
		return nil
	}
	if _, err := aesKey(k); err != nil {
		return err
	}
	return nil
}

func aesKey(encoded string) ([]byte, error) {
	if len(encoded) != 43 {
		return nil, errors.New("must be 43 characters")
	}
	key, err := base64.StdEncoding.DecodeString(encoded + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("must be base64 of 32 bytes")
	}
	return key, nil
}

// encryptMsg is WeChat's message encryption: AES-256-CBC with IV = key[:16]
// over 16 random bytes ‖ 4-byte big-endian length ‖ msg ‖ receiveID,
// PKCS#7-padded to 32 bytes, base64.
func encryptMsg(encodedKey, receiveID string, msg []byte) (string, error) {
	key, err := aesKey(encodedKey)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	random := make([]byte, 16)
	_, _ = rand.Read(random)
	buf.Write(random)
	_ = binary.Write(&buf, binary.BigEndian, uint32(len(msg)))
	buf.Write(msg)
	buf.WriteString(receiveID)
	pad := 32 - buf.Len()%32
	buf.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	out := make([]byte, buf.Len())
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, buf.Bytes())
	return base64.StdEncoding.EncodeToString(out), nil
}
