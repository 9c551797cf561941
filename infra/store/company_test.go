package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

func TestCompanySettings(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		c := store.NewCompany(db.DB)
		now := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
		s, err := c.Settings(ctx)
		if err != nil || s.Version != 0 || len(s.Buyers) != 0 {
			t.Fatalf("empty: %+v %v", s, err)
		}
		demo := []domain.Party{{Name: "示例科技有限公司", TaxNumber: "91440300MA5G2DEMO8"}, {Name: "示例贸易有限公司", TaxNumber: "91440300MA5G2DEMO9"}}

		// Instances starting together seed once.
		var wg sync.WaitGroup
		seeded := make(chan bool, 4)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := c.SeedBuyers(ctx, demo, now)
				if err != nil {
					t.Error(err)
				}
				seeded <- ok
			}()
		}
		wg.Wait()
		close(seeded)
		n := 0
		for ok := range seeded {
			if ok {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("seeded %d times", n)
		}
		s, err = c.Settings(ctx)
		if err != nil || s.Version != 1 || len(s.Buyers) != 2 || s.Buyers[1] != demo[1] || !s.UpdatedAt.Equal(now) {
			t.Fatalf("seeded: %+v %v", s, err)
		}

		// Seeding again changes nothing while buyers are stored.
		if ok, err := c.SeedBuyers(ctx, demo[:1], now); ok || err != nil {
			t.Fatalf("seeded over stored buyers: %v %v", ok, err)
		}
		if _, err := c.SetBuyers(ctx, 0, demo, now); !errors.Is(err, domain.ErrVersionConflict) {
			t.Fatalf("stale version: %v", err)
		}
		s, err = c.SetBuyers(ctx, 1, demo[1:], now)
		if err != nil || s.Version != 2 {
			t.Fatalf("set: %+v %v", s, err)
		}
		s, _ = c.Settings(ctx)
		if len(s.Buyers) != 1 || s.Buyers[0] != demo[1] {
			t.Fatalf("stored: %+v", s)
		}

		// An emptied list is seeded again, a version later; nothing to seed
		// is no change.
		if s, err = c.SetBuyers(ctx, 2, nil, now); err != nil || len(s.Buyers) != 0 {
			t.Fatalf("emptied: %+v %v", s, err)
		}
		if ok, err := c.SeedBuyers(ctx, nil, now); ok || err != nil {
			t.Fatalf("seeded nothing: %v %v", ok, err)
		}
		if ok, err := c.SeedBuyers(ctx, demo, now); !ok || err != nil {
			t.Fatalf("reseed: %v %v", ok, err)
		}
		if s, _ = c.Settings(ctx); s.Version != 4 || len(s.Buyers) != 2 {
			t.Fatalf("reseeded: %+v", s)
		}
	})
}

// Before any seed, an admin's first save is version 0.
func TestCompanyFirstSave(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		c := store.NewCompany(db.DB)
		s, err := c.SetBuyers(ctx, 0, []domain.Party{{Name: "甲", TaxNumber: "91440300MA5G2DEMO8"}}, time.Now())
		if err != nil || s.Version != 1 {
			t.Fatalf("%+v %v", s, err)
		}
		if _, err := c.SetBuyers(ctx, 0, nil, time.Now()); !errors.Is(err, domain.ErrVersionConflict) {
			t.Fatalf("second version-0 save: %v", err)
		}
	})
}
