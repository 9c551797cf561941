package service_test

import (
	"maps"
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
	specific := specificCases()
	cases := append(genericCases(routeSpecs), specific...)
	for i, c := range cases {
		if c.target == "" {
			cases[i].target = sampleTarget(c.route)
		}
	}
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		w := newBadWorld(t, db)

		t.Run("every route has cases", func(t *testing.T) {
			if missing := uncovered(w.a.Svc.App, specific); len(missing) > 0 {
				t.Fatalf("routes without bad-input cases (add them to routeSpecs and specificCases): %v", missing)
			}
		})

		before := snapshot(t, db.DB)
		for _, table := range []string{"invoices", "reports", "employees", "outbox", "sandbox_invoices"} {
			if len(before[table].rows) == 0 {
				t.Fatalf("the snapshot has no %s rows: the check would prove nothing", table)
			}
		}
		beforeFP := fingerprint(t, db.DB)
		for _, c := range cases {
			t.Run(c.route+"/"+c.name, func(t *testing.T) {
				status, code, body := w.send(t, c)
				if status != c.status || code != c.code {
					t.Errorf("got %d %q, want %d %q: %.300s", status, code, c.status, c.code, body)
				}
				if fp := fingerprint(t, db.DB); !maps.Equal(fp, beforeFP) {
					after := snapshot(t, db.DB)
					t.Errorf("the database changed:\n%s", before.diff(after))
					before, beforeFP = after, fp
				}
			})
		}

		t.Run("a rightful request is seen to change the database", func(t *testing.T) {
			status, _, body := w.send(t, badCase{route: "DELETE /api/v1/reports/:id", as: "emp-wang", target: "/api/v1/reports/{wang-draft}"})
			if status != http.StatusNoContent {
				t.Fatalf("delete: %d %s", status, body)
			}
			if maps.Equal(fingerprint(t, db.DB), beforeFP) || before.diff(snapshot(t, db.DB)) == "" {
				t.Fatal("the check missed a deleted report")
			}
		})
	})
}

// uncovered lists the app's public routes that have no route spec (so
// no generic cases), and the authenticated ones with no specific case.
func uncovered(app *fiber.App, specific []badCase) []string {
	hasSpecific := map[string]bool{}
	for _, c := range specific {
		hasSpecific[c.route] = true
	}
	spec := map[string]routeSpec{}
	for _, r := range routeSpecs {
		spec[r.route] = r
	}
	var missing []string
	for _, r := range app.GetRoutes(true) {
		if r.Method == http.MethodHead || slices.ContainsFunc(outsideContract, func(p string) bool {
			return r.Path == p || strings.HasPrefix(r.Path, p+"/")
		}) {
			continue
		}
		key := r.Method + " " + r.Path
		s, ok := spec[key]
		if !ok || (s.access != public && !hasSpecific[key]) {
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
