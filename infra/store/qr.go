package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// QRImports stores PC QR import sessions and the bizCodes invoices were
// imported under.
type QRImports struct{ db bun.IDB }

// NewQRImports returns the QR import store on db.
func NewQRImports(db bun.IDB) *QRImports { return &QRImports{db: db} }

type qrSessionRow struct {
	bun.BaseModel `bun:"table:qr_import_sessions"`

	Token       string `bun:",pk"`
	BizCode     string
	CreatedBy   string
	AppID       string
	AnyEmployee bool
	State       string
	EmployeeID  string
	Channel     string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	ClaimedAt   time.Time `bun:",nullzero"`
	DoneAt      time.Time `bun:",nullzero"`
}

type bizCodeRow struct {
	bun.BaseModel `bun:"table:invoice_biz_codes"`

	BizCode   string `bun:",pk"`
	InvoiceID string `bun:",pk"`
	AppID     string
	CreatedAt time.Time
}

// AddSession stores a new session.
func (s *QRImports) AddSession(ctx context.Context, q app.QRSession) error {
	row := qrSessionRow{
		Token: q.Token, BizCode: q.BizCode, CreatedBy: string(q.CreatedBy), AppID: q.AppID, AnyEmployee: q.AnyEmployee,
		State: string(q.State), EmployeeID: string(q.EmployeeID), Channel: string(q.Channel),
		CreatedAt: q.CreatedAt.UTC(), ExpiresAt: q.ExpiresAt.UTC(), ClaimedAt: utc(q.ClaimedAt), DoneAt: utc(q.DoneAt),
	}
	if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("add QR import session: %w", err)
	}
	return nil
}

// Session loads a session by its token.
func (s *QRImports) Session(ctx context.Context, token string) (app.QRSession, error) {
	var r qrSessionRow
	if err := s.db.NewSelect().Model(&r).Where("token = ?", token).Scan(ctx); err != nil {
		return app.QRSession{}, notFound(err, "QR import session")
	}
	return r.toApp(), nil
}

// CreatedSession finds the latest session with bizCode that by created.
func (s *QRImports) CreatedSession(ctx context.Context, bizCode string, by domain.EmployeeID) (app.QRSession, error) {
	var r qrSessionRow
	if err := s.db.NewSelect().Model(&r).Where("biz_code = ?", bizCode).Where("created_by = ?", string(by)).
		OrderExpr("created_at DESC").Limit(1).Scan(ctx); err != nil {
		return app.QRSession{}, notFound(err, "QR import session")
	}
	return r.toApp(), nil
}

func (r qrSessionRow) toApp() app.QRSession {
	return app.QRSession{
		Token: r.Token, BizCode: r.BizCode, CreatedBy: domain.EmployeeID(r.CreatedBy), AppID: r.AppID,
		AnyEmployee: r.AnyEmployee, State: app.QRState(r.State), EmployeeID: domain.EmployeeID(r.EmployeeID),
		Channel: domain.Channel(r.Channel), CreatedAt: utc(r.CreatedAt), ExpiresAt: utc(r.ExpiresAt),
		ClaimedAt: utc(r.ClaimedAt), DoneAt: utc(r.DoneAt),
	}
}

// Move changes a session's state from one of from to to, atomically: of
// two phones racing, one moves it. A session is claimed or started only
// before it expires, and only by the employee it is bound to.
func (s *QRImports) Move(ctx context.Context, token string, from []app.QRState, to app.QRState, employee domain.EmployeeID, ch domain.Channel, now time.Time) (bool, error) {
	states := make([]string, len(from))
	for i, f := range from {
		states[i] = string(f)
	}
	q := s.db.NewUpdate().Model((*qrSessionRow)(nil)).Set("state = ?", string(to)).
		Where("token = ?", token).Where("state IN (?)", bun.In(states))
	switch to {
	case app.QRClaimed:
		q = q.Where("expires_at > ?", now.UTC())
		if employee != "" {
			q = q.Set("employee_id = ?", string(employee)).Set("channel = ?", string(ch)).Set("claimed_at = ?", now.UTC())
		}
	case app.QRImporting:
		q = q.Where("expires_at > ?", now.UTC()).Where("employee_id = ?", string(employee))
	case app.QRDone:
		q = q.Set("done_at = ?", now.UTC())
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("move QR import session to %s: %w", to, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeleteSessionsBefore forgets sessions that expired before the cut-off;
// the bizCodes of their invoices stay.
func (s *QRImports) DeleteSessionsBefore(ctx context.Context, before time.Time) error {
	if _, err := s.db.NewDelete().Model((*qrSessionRow)(nil)).Where("expires_at < ?", before.UTC()).Exec(ctx); err != nil {
		return fmt.Errorf("delete old QR import sessions: %w", err)
	}
	return nil
}

// LinkBizCode links invoices to a bizCode; a link made before stays.
func (s *QRImports) LinkBizCode(ctx context.Context, bizCode, appID string, invoices []domain.InvoiceID, now time.Time) error {
	for _, id := range invoices {
		row := bizCodeRow{BizCode: bizCode, InvoiceID: string(id), AppID: appID, CreatedAt: now.UTC()}
		if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
			if _, dup := uniqueViolation(err); dup {
				continue
			}
			return fmt.Errorf("link invoice %s to bizCode: %w", id, err)
		}
	}
	return nil
}

// InvoicesOfBizCode lists the existing invoices linked to a bizCode, in
// the order they were linked.
func (s *QRImports) InvoicesOfBizCode(ctx context.Context, bizCode string) ([]domain.InvoiceID, error) {
	var ids []string
	err := s.db.NewSelect().TableExpr("invoice_biz_codes AS b").Column("b.invoice_id").
		Join("JOIN invoices AS i ON i.id = b.invoice_id").
		Where("b.biz_code = ?", bizCode).OrderExpr("b.created_at, b.invoice_id").Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("invoices of bizCode: %w", err)
	}
	out := make([]domain.InvoiceID, len(ids))
	for i, id := range ids {
		out[i] = domain.InvoiceID(id)
	}
	return out, nil
}

// BizCodes answers the latest bizCode linked to each invoice that has one.
func (s *QRImports) BizCodes(ctx context.Context, invoices []domain.InvoiceID) (map[domain.InvoiceID]string, error) {
	out := map[domain.InvoiceID]string{}
	if len(invoices) == 0 {
		return out, nil
	}
	var rows []bizCodeRow
	if err := s.db.NewSelect().Model(&rows).Where("invoice_id IN (?)", bun.In(invoiceKeys(invoices))).
		OrderExpr("created_at, biz_code").Scan(ctx); err != nil {
		return nil, fmt.Errorf("bizCodes of invoices: %w", err)
	}
	for _, r := range rows {
		out[domain.InvoiceID(r.InvoiceID)] = r.BizCode
	}
	return out, nil
}

var _ app.QRStore = (*QRImports)(nil)
