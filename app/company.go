package app

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/baoxiao/baoxiao/domain"
)

// CompanySettings are what an administrator edits about the company: its
// buyer entities (购买方: title 抬头 and tax number 税号; DECISIONS 1).
type CompanySettings struct {
	Buyers    []domain.Party // Name is the title; only Name and TaxNumber are used
	Version   int64          // 0 until something was stored
	UpdatedAt time.Time
}

// CompanyStore keeps the company settings.
type CompanyStore interface {
	// Settings answers the stored settings, or zero ones (version 0) when
	// nothing was stored yet.
	Settings(ctx context.Context) (CompanySettings, error)
	// SeedBuyers stores buyers only if no buyer is stored, and says
	// whether it did.
	SeedBuyers(ctx context.Context, buyers []domain.Party, now time.Time) (bool, error)
	// SetBuyers replaces the buyers if the stored version is still version
	// (domain.ErrVersionConflict otherwise).
	SetBuyers(ctx context.Context, version int64, buyers []domain.Party, now time.Time) (CompanySettings, error)
}

// BuyerSource answers the company's current buyer entities; the invoice
// import reads them for its title check on every import, so an
// administrator's change applies at once.
type BuyerSource interface {
	Buyers(ctx context.Context) ([]domain.Party, error)
}

// TitleLinker asks WeChat for a link that adds an invoice title (抬头) to
// the user's WeChat, so shops issue invoices to it (OA biz/getusertitleurl,
// wechat-protocol.md §9).
type TitleLinker interface {
	UserTitleURL(ctx context.Context, title, taxNumber string) (string, error)
}

// TitleLink is a link for employees to add one of the company's titles to
// their WeChat invoice titles.
type TitleLink struct {
	URL   string
	Buyer domain.Party
}

// MaxBuyers bounds the buyer entities of one company.
const MaxBuyers = 50

// Company keeps the company settings and serves the title check and the
// title link.
type Company struct {
	store     CompanyStore
	employees EmployeeDirectory
	titles    TitleLinker
	clock     Clock
}

// NewCompany returns the company settings service.
func NewCompany(store CompanyStore, employees EmployeeDirectory, clock Clock) *Company {
	return &Company{store: store, employees: employees, clock: clock}
}

// UseTitleLinks enables TitleLink through t (the Official Account client);
// without it TitleLink answers that the channel is off.
func (c *Company) UseTitleLinks(t TitleLinker) { c.titles = t }

// Seed stores buyers (the config's company.buyers) when the database holds
// no buyer entity; otherwise the database is the truth and the config is
// ignored.
func (c *Company) Seed(ctx context.Context, buyers []domain.Party) error {
	clean, err := cleanBuyers(buyers)
	if err != nil {
		return fmt.Errorf("company.buyers: %w", err)
	}
	_, err = c.store.SeedBuyers(ctx, clean, c.clock.Now())
	return err
}

// Buyers answers the current buyer entities (BuyerSource).
func (c *Company) Buyers(ctx context.Context) ([]domain.Party, error) {
	s, err := c.store.Settings(ctx)
	if err != nil {
		return nil, fmt.Errorf("company buyers: %w", err)
	}
	return s.Buyers, nil
}

// Settings shows the settings to an administrator.
func (c *Company) Settings(ctx context.Context, by domain.EmployeeID) (CompanySettings, error) {
	if _, err := requireAdmin(ctx, c.employees, by); err != nil {
		return CompanySettings{}, err
	}
	return c.store.Settings(ctx)
}

// SetBuyers replaces the buyer entities, if the administrator saw the
// current version. Invoices imported before keep their title check.
func (c *Company) SetBuyers(ctx context.Context, by domain.EmployeeID, version int64, buyers []domain.Party) (CompanySettings, error) {
	if _, err := requireAdmin(ctx, c.employees, by); err != nil {
		return CompanySettings{}, err
	}
	clean, err := cleanBuyers(buyers)
	if err != nil {
		return CompanySettings{}, err
	}
	return c.store.SetBuyers(ctx, version, clean, c.clock.Now())
}

// TitleLink asks WeChat for the link that adds the buyer entity with that
// tax number ("" = the first one) to the employee's WeChat invoice titles.
func (c *Company) TitleLink(ctx context.Context, by domain.EmployeeID, taxNumber string) (TitleLink, error) {
	e, err := c.employees.Get(ctx, by)
	if err != nil || !e.Active() {
		return TitleLink{}, domain.ErrAuthRequired
	}
	buyers, err := c.Buyers(ctx)
	if err != nil {
		return TitleLink{}, err
	}
	var buyer *domain.Party
	for i, b := range buyers {
		if taxNumber == "" || strings.EqualFold(b.TaxNumber, strings.TrimSpace(taxNumber)) {
			buyer = &buyers[i]
			break
		}
	}
	if buyer == nil {
		if taxNumber != "" {
			return TitleLink{}, domain.ErrNotFound.WithMessage("the company has no buyer entity with this tax number")
		}
		return TitleLink{}, domain.ErrNotFound.WithMessage("the company has no buyer entity yet; ask your administrator")
	}
	if c.titles == nil {
		return TitleLink{}, ErrChannelOff.With(map[string]any{"channel": string(domain.ChannelOA)})
	}
	var url string
	if err := withRetry(ctx, func() (err error) {
		url, err = c.titles.UserTitleURL(ctx, buyer.Name, buyer.TaxNumber)
		return err
	}); err != nil {
		return TitleLink{}, asDomainError(err)
	}
	return TitleLink{URL: url, Buyer: *buyer}, nil
}

// cleanBuyers trims and checks buyer entities the way config does:
// a title, and a tax number of 15 to 20 letters and digits (upper-cased),
// each tax number once.
func cleanBuyers(in []domain.Party) ([]domain.Party, error) {
	if len(in) > MaxBuyers {
		return nil, domain.Invalid("buyers", fmt.Sprintf("at most %d buyer entities", MaxBuyers))
	}
	out := make([]domain.Party, 0, len(in))
	seen := map[string]bool{}
	for i, b := range in {
		title := strings.TrimSpace(b.Name)
		tax := strings.ToUpper(strings.TrimSpace(b.TaxNumber))
		field := fmt.Sprintf("buyers[%d]", i)
		switch {
		case title == "":
			return nil, domain.Invalid(field+".title", "required")
		case utf8.RuneCountInString(title) > 200:
			return nil, domain.Invalid(field+".title", "at most 200 characters")
		case !validTaxNumber(tax):
			// 统一社会信用代码 has 18 characters; older numbers 15 to 20.
			return nil, domain.Invalid(field+".tax_number", "must be 15 to 20 letters and digits")
		case seen[tax]:
			return nil, domain.Invalid(field+".tax_number", "listed twice")
		}
		seen[tax] = true
		out = append(out, domain.Party{Name: title, TaxNumber: tax})
	}
	return out, nil
}

func validTaxNumber(s string) bool {
	return len(s) >= 15 && len(s) <= 20 && strings.Trim(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}
