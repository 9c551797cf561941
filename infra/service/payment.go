package service

import (
	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/payment"
	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/export"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/web"
)

// addPayment assembles issue 17's expense types, bank accounts and
// payments; bank account numbers are sealed with the app secrets' box
// (DECISIONS 18).
func (s *Service) addPayment(cfg *config.Config, db *bun.DB, box app.Sealer, clock app.Clock, deps *web.Deps) {
	ps := store.NewPayments(db)
	payer := payment.Payer{Bank: cfg.Payment.PayerBank, AccountName: cfg.Payment.PayerAccountName}
	if payer.AccountName == "" {
		payer.AccountName = cfg.Company.Name
	}
	s.Payments = payment.New(payment.Deps{
		Tx: ps, Types: ps, Accounts: ps, Payments: ps, Employees: s.Store.Employees, Reports: s.Store.Reports,
		Sealer: box, Clock: clock, FinanceMayPay: cfg.Payment.FinanceMayPay, Payer: payer,
		Formats: export.TableFormats(),
	})
	s.Reports.UseExpenseTypes(ps)
	deps.Payments = s.Payments
}

// clockOr is the tests' clock when they set one, else def.
func (o Options) clockOr(def app.Clock) app.Clock {
	if o.Clock != nil {
		return o.Clock
	}
	return def
}
