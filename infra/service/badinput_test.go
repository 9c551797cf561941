package service_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// TestBadInput sends malformed, oversized, wrong-type, unauthenticated,
// wrong-role and foreign-owner requests to every public route of the
// whole product and checks each gets the status and error code
// shared/API.md documents, and that no table changed.
func TestBadInput(t *testing.T) {
	cases := append(genericCases(routeSpecs), specificCases()...)
	for i, c := range cases {
		if c.target == "" {
			cases[i].target = sampleTarget(c.route)
		}
	}
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		w := newBadWorld(t, db)

		t.Run("every route has cases", func(t *testing.T) {
			if missing := uncovered(w.a.Svc.App, cases); len(missing) > 0 {
				t.Fatalf("routes without bad-input cases (add them to routeSpecs and specificCases): %v", missing)
			}
		})

		before := snapshot(t, db.DB)
		for _, c := range cases {
			t.Run(c.route+"/"+c.name, func(t *testing.T) {
				status, code, body := w.send(t, c)
				if status != c.status || code != c.code {
					t.Errorf("got %d %q, want %d %q: %.300s", status, code, c.status, c.code, body)
				}
				after := snapshot(t, db.DB)
				if d := before.diff(after); d != "" {
					t.Errorf("the database changed:\n%s", d)
				}
				before = after
			})
		}
	})
}

// uncovered lists the app's public routes that no case exercises.
func uncovered(app *fiber.App, cases []badCase) []string {
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.route] = true
	}
	specced := map[string]bool{}
	for _, r := range routeSpecs {
		specced[r.route] = true
	}
	var missing []string
	for _, r := range app.GetRoutes(true) {
		if r.Method == http.MethodHead || slices.ContainsFunc(outsideContract, func(p string) bool {
			return r.Path == p || strings.HasPrefix(r.Path, p+"/")
		}) {
			continue
		}
		key := r.Method + " " + r.Path
		if !covered[key] || !specced[key] {
			missing = append(missing, key)
		}
	}
	return missing
}

// sampleTarget is the route spec's concrete path for route.
func sampleTarget(route string) string {
	for _, r := range routeSpecs {
		if r.route == route {
			return r.target
		}
	}
	return strings.SplitN(route, " ", 2)[1]
}
