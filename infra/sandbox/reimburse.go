package sandbox

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// The reimburser API (wechat-protocol.md §4): the same four calls on OA
// (/card/invoice/reimburse/…) and WeCom (/cgi-bin/card/invoice/reimburse/…),
// each answering only the invoices of its own channel's wallets.

type cardRef struct {
	CardID      string `json:"card_id"`
	EncryptCode string `json:"encrypt_code"`
}

// reimburserMoves is WeChat's status machine for reimbursers (§5): from →
// to → errcode. A status missing on the left is final (72024); a target
// missing on the right is refused with 72024 (CANCEL is the issuer's).
// LOCK→LOCK by the holder is undocumented: 0, or 72024 with the
// lock_lock_72024 switch. Any change while another appid holds the lock is
// 72023, checked before this table.
var reimburserMoves = map[string]map[string]int{
	statusInit: {statusLock: 0, statusInit: 0, statusClosure: 72039},
	statusLock: {statusClosure: 0, statusInit: 0, statusLock: 0},
}

// move applies one reimburser change by appID to inv and answers the
// errcode; inv changes only when the answer is 0.
func (sw switches) move(inv *invoiceRow, appID, to string) int {
	targets, ok := reimburserMoves[inv.Status]
	if !ok {
		return 72024 // CLOSURE and CANCEL are final
	}
	if inv.Status == statusLock && inv.LockedBy != appID {
		return 72023
	}
	code, ok := targets[to]
	if !ok {
		return 72024
	}
	if inv.Status == statusLock && to == statusLock && sw.LockLock72024 {
		return 72024
	}
	if code != 0 {
		return code
	}
	switch to {
	case statusLock, statusClosure:
		inv.LockedBy = appID
	case statusInit:
		inv.LockedBy = ""
	}
	inv.Status = to
	return 0
}

// POST …/getinvoiceinfo {card_id, encrypt_code}
func (s *Sandbox) handleGetInvoiceInfo(channel string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if _, ok := s.authToken(c, channel); !ok {
			return nil
		}
		var req cardRef
		if !decodeBody(c, &req) {
			return fail(c, 47001)
		}
		c.Locals(localInvoices, 1)
		inv, err := s.invoice(c.UserContext(), s.db, channel, req.CardID, req.EncryptCode)
		if err != nil {
			return err
		}
		if inv == nil {
			return fail(c, 72031)
		}
		answer, err := s.patched(inv, struct {
			wxStatus
			invoiceView
		}{okStatus(), s.view(inv)})
		if err != nil {
			return err
		}
		return reply(c, answer)
	}
}

// POST …/getinvoicebatch (OA) or …/getinvoiceinfobatch (WeCom)
// {item_list:[{card_id, encrypt_code}]}. Unknown items are left out of the
// answer with errcode 0, as WeChat has been seen to do; the
// batch_fail_whole switch makes any unknown item fail the call (72031).
func (s *Sandbox) handleGetInvoiceBatch(channel string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if _, ok := s.authToken(c, channel); !ok {
			return nil
		}
		var req struct {
			ItemList []cardRef `json:"item_list"`
		}
		if !decodeBody(c, &req) {
			return fail(c, 47001)
		}
		c.Locals(localInvoices, len(req.ItemList))
		sw := s.ctl.switches()
		if len(req.ItemList) == 0 {
			return fail(c, 72031)
		}
		if sw.BatchCap > 0 && len(req.ItemList) > sw.BatchCap {
			return fail(c, 72055)
		}
		items := make([]any, 0, len(req.ItemList))
		for _, ref := range req.ItemList {
			inv, err := s.invoice(c.UserContext(), s.db, channel, ref.CardID, ref.EncryptCode)
			if err != nil {
				return err
			}
			if inv == nil {
				if sw.BatchFailWhole {
					return fail(c, 72031)
				}
				continue
			}
			item, err := s.patched(inv, s.view(inv))
			if err != nil {
				return err
			}
			items = append(items, item)
		}
		return reply(c, struct {
			wxStatus
			ItemList []any `json:"item_list"`
		}{okStatus(), items})
	}
}

// POST …/updateinvoicestatus {card_id, encrypt_code, reimburse_status}
func (s *Sandbox) handleUpdateInvoiceStatus(channel string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		tok, ok := s.authToken(c, channel)
		if !ok {
			return nil
		}
		var req struct {
			cardRef
			ReimburseStatus string `json:"reimburse_status"`
		}
		if !decodeBody(c, &req) {
			return fail(c, 47001)
		}
		c.Locals(localInvoices, 1)
		code, err := s.updateStatuses(c.UserContext(), channel, tok.AppID, "", req.ReimburseStatus, []cardRef{req.cardRef})
		if err != nil {
			return err
		}
		if code != 0 {
			return fail(c, code)
		}
		return reply(c, okStatus())
	}
}

// POST …/updatestatusbatch {openid, reimburse_status, invoice_list}: all
// invoices must belong to openid (72037) and the change is all or nothing.
func (s *Sandbox) handleUpdateStatusBatch(channel string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		tok, ok := s.authToken(c, channel)
		if !ok {
			return nil
		}
		var req struct {
			OpenID          string    `json:"openid"`
			ReimburseStatus string    `json:"reimburse_status"`
			InvoiceList     []cardRef `json:"invoice_list"`
		}
		if !decodeBody(c, &req) {
			return fail(c, 47001)
		}
		c.Locals(localInvoices, len(req.InvoiceList))
		c.Locals(localOpenID, req.OpenID)
		if req.OpenID == "" || len(req.InvoiceList) == 0 {
			return fail(c, 72031)
		}
		if cap := s.ctl.switches().BatchCap; cap > 0 && len(req.InvoiceList) > cap {
			return fail(c, 72055)
		}
		code, err := s.updateStatuses(c.UserContext(), channel, tok.AppID, req.OpenID, req.ReimburseStatus, req.InvoiceList)
		if err != nil {
			return err
		}
		if code != 0 {
			return fail(c, code)
		}
		return reply(c, okStatus())
	}
}

// updateStatuses moves every ref to status for appID, all or nothing, and
// answers WeChat's errcode. A non-empty owner requires every invoice to be
// in that wallet.
func (s *Sandbox) updateStatuses(ctx context.Context, channel, appID, owner, status string, refs []cardRef) (int, error) {
	switch {
	case status == "":
		return 72031, nil
	case !validStatus(status):
		return 72024, nil
	}
	sw := s.ctl.switches()
	s.mu.Lock()
	defer s.mu.Unlock()
	code := 0
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		invs := make([]*invoiceRow, 0, len(refs))
		seen := map[string]*invoiceRow{}
		// First every invoice must exist and be the owner's…
		for _, ref := range refs {
			if inv := seen[ref.EncryptCode]; inv != nil && inv.CardID == ref.CardID {
				invs = append(invs, inv)
				continue
			}
			inv, err := s.invoice(ctx, tx, channel, ref.CardID, ref.EncryptCode)
			if err != nil {
				return err
			}
			if inv == nil {
				code = 72031
				return nil
			}
			if owner != "" && inv.OwnerOpenID != owner {
				code = 72037
				return nil
			}
			seen[ref.EncryptCode] = inv
			invs = append(invs, inv)
		}
		// …then every move must be allowed; one refusal changes nothing.
		for _, inv := range invs {
			if code = sw.move(inv, appID, status); code != 0 {
				return nil
			}
		}
		now := s.nowMS()
		for _, inv := range seen {
			inv.UpdatedMS = now
			if _, err := tx.NewUpdate().Model(inv).
				Column("reimburse_status", "locked_by_appid", "updated_ms").WherePK().Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	return code, err
}
