package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// The four reimburser calls (wechat-protocol.md §4) are ours on both
// channels: silenceper's work/invoice has no context, no timeout, no size
// limit and decodes numbers strictly (DECISIONS 14).

type wireRef struct {
	CardID      string `json:"card_id"`
	EncryptCode string `json:"encrypt_code"`
}

func toWire(refs []app.CardRef) []wireRef {
	out := make([]wireRef, len(refs))
	for i, r := range refs {
		out[i] = wireRef{CardID: r.CardID, EncryptCode: r.EncryptCode}
	}
	return out
}

func (c *Client) endpoint(name, path string, mutating bool) endpoint {
	return endpoint{name: name, method: http.MethodPost, path: path, mutating: mutating}
}

// post makes an authenticated call, refreshing a stale token once.
func (c *Client) post(ctx context.Context, ep endpoint, body any) ([]byte, error) {
	var raw []byte
	err := c.withToken(ctx, func(tok string) error {
		var err error
		raw, err = c.call(ctx, ep, url.Values{"access_token": {tok}}, body, tok)
		return err
	})
	return raw, err
}

func checkRef(api string, ref app.CardRef) error {
	if ref.CardID == "" || ref.EncryptCode == "" {
		return newError(api, app.Refused, 0, "card_id and encrypt_code are required")
	}
	return nil
}

// Invoice reads one invoice (getinvoiceinfo). Facts.Raw is the whole answer.
func (c *Client) Invoice(ctx context.Context, ref app.CardRef) (app.FetchedInvoice, error) {
	ep := c.endpoint("getinvoiceinfo", c.paths.invoice, false)
	if err := checkRef(ep.name, ref); err != nil {
		return app.FetchedInvoice{}, err
	}
	raw, err := c.post(ctx, ep, wireRef{CardID: ref.CardID, EncryptCode: ref.EncryptCode})
	if err != nil {
		return app.FetchedInvoice{}, err
	}
	var w wireInvoice
	if err := decode(ep, raw, &w); err != nil {
		return app.FetchedInvoice{}, err
	}
	return c.fetched(ep.name, ref, w, raw)
}

// Invoices reads refs in chunks of the batch size, one batch call per chunk
// (getinvoicebatch; WeCom getinvoiceinfobatch), and answers one result per
// ref in order. Batch answers carry no encrypt_code, so an answer is matched
// to the chunk by position only when the counts agree and every card_id
// matches; otherwise, and when WeChat refuses the batch call (WeCom does for
// small corps), the chunk is read one invoice at a time (DECISIONS 13), so
// an invoice missing from an errcode-0 answer ends up with its own error.
// 72052/72055 (too many) halve the chunk. Facts.Raw is the item's JSON.
// The error is non-nil only when no invoice could be read: it is then the
// first result's error, and the results are returned too.
func (c *Client) Invoices(ctx context.Context, refs []app.CardRef) ([]app.InvoiceResult, error) {
	results := make([]app.InvoiceResult, len(refs))
	for i, r := range refs {
		results[i].Ref = r
	}
	for i := 0; i < len(results); i += c.batchSize {
		c.fetchChunk(ctx, results[i:min(i+c.batchSize, len(results))])
	}
	for _, r := range results {
		if r.Err == nil {
			return results, nil
		}
	}
	if len(results) > 0 {
		return results, results[0].Err
	}
	return results, nil
}

// fetchChunk fills res with one batch call, or with single calls when the
// batch answer cannot be trusted.
func (c *Client) fetchChunk(ctx context.Context, res []app.InvoiceResult) {
	if len(res) == 1 {
		c.fetchSingles(ctx, res)
		return
	}
	ep := c.endpoint(c.paths.batchName, c.paths.invoiceBatch, false)
	refs := make([]app.CardRef, len(res))
	for i, r := range res {
		refs[i] = r.Ref
	}
	for _, r := range refs {
		if checkRef(ep.name, r) != nil {
			// A hopeless ref would fail the whole batch: go one by one.
			c.fetchSingles(ctx, res)
			return
		}
	}
	raw, err := c.post(ctx, ep, map[string]any{"item_list": toWire(refs)})
	if err != nil {
		var we *app.WeChatError
		errors.As(err, &we)
		switch {
		case we != nil && (we.Errcode == codeTooManyInvoices || we.Errcode == codeTooManyItems):
			half := len(res) / 2
			c.fetchChunk(ctx, res[:half])
			c.fetchChunk(ctx, res[half:])
		case we != nil && (we.Kind == app.Refused || (we.Kind == app.Misconfigured && we.API == ep.name)):
			// WeCom refuses the batch to corps under 200 members, with a
			// code we cannot know in advance (a permission code, say): the
			// single call tells a refused batch from a misconfiguration. A
			// failed token fetch (another API) is not a refusal.
			c.log.LogAttrs(ctx, slog.LevelDebug, "wechat batch refused; reading one by one",
				slog.String("api", ep.name), slog.Int("errcode", we.Errcode), slog.Int("items", len(res)))
			c.fetchSingles(ctx, res)
		default:
			for i := range res {
				res[i].Err = err
			}
		}
		return
	}
	items, ok := c.matchBatch(ep, raw, refs)
	if !ok {
		c.log.LogAttrs(ctx, slog.LevelDebug, "wechat batch answer does not match; reading one by one",
			slog.String("api", ep.name), slog.Int("items", len(res)))
		c.fetchSingles(ctx, res)
		return
	}
	for i, it := range items {
		if it.err != nil {
			res[i].Err = it.err
			continue
		}
		inv, err := c.fetched(ep.name, refs[i], it.inv, it.raw)
		if err != nil {
			res[i].Err = err
			continue
		}
		res[i].Invoice = &inv
	}
}

// fetchSingles reads one invoice at a time. A misconfiguration fails the
// rest at once: every call would meet it.
func (c *Client) fetchSingles(ctx context.Context, res []app.InvoiceResult) {
	for i := range res {
		inv, err := c.Invoice(ctx, res[i].Ref)
		if err == nil {
			res[i].Invoice = &inv
			continue
		}
		res[i].Err = err
		if kindOf(err) == app.Misconfigured {
			for j := i + 1; j < len(res); j++ {
				res[j].Err = err
			}
			return
		}
	}
}

// batchItem is one decoded item of a batch answer.
type batchItem struct {
	inv wireInvoice
	raw json.RawMessage
	err error // the item matched its ref but could not be decoded
}

// itemIdentity is what identifies an answer item; decoded apart from the
// rest so that a malformed amount does not hide whose item it is.
type itemIdentity struct {
	CardID      flexString `json:"card_id"`
	EncryptCode flexString `json:"encrypt_code"`
}

// matchBatch applies DECISIONS 13: the answer's items are the refs' only if
// there are as many and each card_id (and encrypt_code, when an item has
// one) is the ref's at the same position.
func (c *Client) matchBatch(ep endpoint, raw []byte, refs []app.CardRef) ([]batchItem, bool) {
	var a struct {
		ItemList []json.RawMessage `json:"item_list"`
	}
	if err := json.Unmarshal(raw, &a); err != nil || len(a.ItemList) != len(refs) {
		return nil, false
	}
	items := make([]batchItem, len(refs))
	for i, r := range a.ItemList {
		var id itemIdentity
		if err := json.Unmarshal(r, &id); err != nil {
			return nil, false
		}
		if string(id.CardID) != refs[i].CardID || (id.EncryptCode != "" && string(id.EncryptCode) != refs[i].EncryptCode) {
			return nil, false
		}
		items[i].raw = r
		items[i].err = decode(ep, r, &items[i].inv)
	}
	return items, true
}

// SetStatus changes one invoice's reimburse status (updateinvoicestatus).
func (c *Client) SetStatus(ctx context.Context, ref app.CardRef, status domain.WeChatStatus) error {
	ep := c.endpoint("updateinvoicestatus", c.paths.setStatus, true)
	if err := checkRef(ep.name, ref); err != nil {
		return err
	}
	if err := checkTarget(ep.name, status); err != nil {
		return err
	}
	_, err := c.post(ctx, ep, map[string]string{
		"card_id": ref.CardID, "encrypt_code": ref.EncryptCode, "reimburse_status": status.Wire(),
	})
	return err
}

// checkTarget refuses statuses a reimburser cannot set: CANCEL is the
// issuer's.
func checkTarget(api string, s domain.WeChatStatus) error {
	switch s {
	case domain.StatusInit, domain.StatusLock, domain.StatusClosure:
		return nil
	}
	return newError(api, app.Refused, 0, "a reimburser cannot set status "+string(s))
}

// SetStatusBatch changes the status of invoices all owned by openid
// (updatestatusbatch), in chunks of the batch size; 72052/72055 halve a
// chunk. Each call is all or nothing in WeChat, but the chunks are separate
// calls: when one fails after others succeeded, the error is a *BatchError
// listing the refs already applied (errors.As still finds the failing
// call's *app.WeChatError). When nothing was applied the error is that
// *app.WeChatError itself. 72037 (the refs mix owners) is NeedsReread.
func (c *Client) SetStatusBatch(ctx context.Context, openid string, status domain.WeChatStatus, refs []app.CardRef) error {
	ep := c.endpoint("updatestatusbatch", c.paths.setStatusBatch, true)
	if len(refs) == 0 {
		return nil
	}
	if openid == "" {
		return newError(ep.name, app.Refused, 0, "openid is required")
	}
	if err := checkTarget(ep.name, status); err != nil {
		return err
	}
	for _, r := range refs {
		if err := checkRef(ep.name, r); err != nil {
			return err
		}
	}
	var applied []app.CardRef
	for i := 0; i < len(refs); i += c.batchSize {
		if err := c.setChunk(ctx, ep, openid, status, refs[i:min(i+c.batchSize, len(refs))], &applied); err != nil {
			var we *app.WeChatError
			if len(applied) == 0 || !errors.As(err, &we) {
				return err
			}
			return &BatchError{Applied: applied, Err: we}
		}
	}
	return nil
}

func (c *Client) setChunk(ctx context.Context, ep endpoint, openid string, status domain.WeChatStatus, refs []app.CardRef, applied *[]app.CardRef) error {
	_, err := c.post(ctx, ep, map[string]any{
		"openid": openid, "reimburse_status": status.Wire(), "invoice_list": toWire(refs),
	})
	if code := errcodeOf(err); (code == codeTooManyInvoices || code == codeTooManyItems) && len(refs) > 1 {
		// Refused as a whole, so nothing was applied: split and go on.
		half := len(refs) / 2
		if err := c.setChunk(ctx, ep, openid, status, refs[:half], applied); err != nil {
			return err
		}
		return c.setChunk(ctx, ep, openid, status, refs[half:], applied)
	}
	if err != nil {
		return err
	}
	*applied = append(*applied, refs...)
	return nil
}
