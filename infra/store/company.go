package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Company stores the company settings: one settings row (id 1, DECISIONS
// 1) and the buyer entities in order.
type Company struct{ db bun.IDB }

// NewCompany returns the company settings repository on db.
func NewCompany(db bun.IDB) *Company { return &Company{db: db} }

var _ app.CompanyStore = (*Company)(nil)

const companyRowID = 1

type companySettingsRow struct {
	bun.BaseModel `bun:"table:company_settings"`

	ID        int `bun:",pk"`
	Version   int64
	UpdatedAt time.Time
}

type companyBuyerRow struct {
	bun.BaseModel `bun:"table:company_buyers"`

	Position  int `bun:",pk"`
	Title     string
	TaxNumber string
}

// Settings answers the stored settings, or zero ones before any.
func (s *Company) Settings(ctx context.Context) (app.CompanySettings, error) {
	return s.settings(ctx, s.db, false)
}

func (s *Company) settings(ctx context.Context, db bun.IDB, lock bool) (app.CompanySettings, error) {
	var row companySettingsRow
	q := db.NewSelect().Model(&row).Where("id = ?", companyRowID)
	if lock {
		q = forUpdate(db, q)
	}
	err := q.Scan(ctx)
	if errors.Is(err, errNoRows) {
		return app.CompanySettings{Buyers: []domain.Party{}}, nil
	}
	if err != nil {
		return app.CompanySettings{}, fmt.Errorf("load company settings: %w", err)
	}
	var rows []companyBuyerRow
	if err := db.NewSelect().Model(&rows).OrderExpr("position").Scan(ctx); err != nil {
		return app.CompanySettings{}, fmt.Errorf("load buyers: %w", err)
	}
	out := app.CompanySettings{Buyers: make([]domain.Party, len(rows)), Version: row.Version}
	if row.Version > 0 {
		out.UpdatedAt = row.UpdatedAt.UTC()
	}
	for i, b := range rows {
		out.Buyers[i] = domain.Party{Name: b.Title, TaxNumber: b.TaxNumber}
	}
	return out, nil
}

// ensureRow adds the settings row at version 0 unless it exists, outside
// any transaction: then the transactions below lock an existing row, not
// a gap, and two instances cannot deadlock on a first insert.
func (s *Company) ensureRow(ctx context.Context, now time.Time) error {
	row := companySettingsRow{ID: companyRowID, Version: 0, UpdatedAt: now.UTC()}
	if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		if _, dup := uniqueViolation(err); dup {
			return nil
		}
		return fmt.Errorf("add company settings: %w", err)
	}
	return nil
}

// SeedBuyers stores buyers when none are stored. Instances starting
// together serialise on the settings row's lock; the later ones find
// buyers stored and leave them.
func (s *Company) SeedBuyers(ctx context.Context, buyers []domain.Party, now time.Time) (bool, error) {
	if len(buyers) == 0 {
		return false, nil
	}
	if err := s.ensureRow(ctx, now); err != nil {
		return false, err
	}
	seeded := false
	err := runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		cur, err := s.settings(ctx, tx, true)
		if err != nil || len(cur.Buyers) > 0 {
			return err
		}
		if err := s.save(ctx, tx, cur.Version, buyers, now); err != nil {
			return err
		}
		seeded = true
		return nil
	})
	return seeded, err
}

// SetBuyers replaces the buyers if the stored version is version (0 when
// nothing was stored yet).
func (s *Company) SetBuyers(ctx context.Context, version int64, buyers []domain.Party, now time.Time) (app.CompanySettings, error) {
	if err := s.ensureRow(ctx, now); err != nil {
		return app.CompanySettings{}, err
	}
	err := runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		cur, err := s.settings(ctx, tx, true)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return domain.ErrVersionConflict.With(map[string]any{"version": cur.Version})
		}
		return s.save(ctx, tx, version, buyers, now)
	})
	if err != nil {
		return app.CompanySettings{}, err
	}
	return app.CompanySettings{Buyers: append([]domain.Party{}, buyers...), Version: version + 1, UpdatedAt: now.UTC()}, nil
}

// save moves the settings from version to version+1 with buyers.
func (s *Company) save(ctx context.Context, tx bun.Tx, version int64, buyers []domain.Party, now time.Time) error {
	row := companySettingsRow{ID: companyRowID, Version: version + 1, UpdatedAt: now.UTC()}
	res, err := tx.NewUpdate().Model(&row).WherePK().Where("version = ?", version).Exec(ctx)
	if err != nil {
		return fmt.Errorf("save company settings: %w", err)
	}
	if err := versionCheck(res, "company settings"); err != nil {
		return err
	}
	if _, err := tx.NewDelete().Model((*companyBuyerRow)(nil)).Where("1 = 1").Exec(ctx); err != nil {
		return fmt.Errorf("replace buyers: %w", err)
	}
	return insertBuyers(ctx, tx, buyers)
}

func insertBuyers(ctx context.Context, tx bun.IDB, buyers []domain.Party) error {
	if len(buyers) == 0 {
		return nil
	}
	rows := make([]companyBuyerRow, len(buyers))
	for i, b := range buyers {
		rows[i] = companyBuyerRow{Position: i + 1, Title: b.Name, TaxNumber: b.TaxNumber}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("save buyers: %w", err)
	}
	return nil
}
