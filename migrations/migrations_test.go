package migrations

import (
	"testing"
)

// Both dialects must carry the same migrations, or a deployment that moves
// from SQLite to MySQL would skip one.
func TestDialectsHaveTheSameMigrations(t *testing.T) {
	names := map[string][]string{}
	for _, d := range []string{"mysql", "sqlite"} {
		ms, err := For(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms.Sorted() {
			if m.Up == nil || m.Down == nil {
				t.Errorf("%s: %s lacks an up or a down file", d, m.Name)
			}
			names[d] = append(names[d], m.Name+"_"+m.Comment)
		}
	}
	if len(names["mysql"]) == 0 || len(names["mysql"]) != len(names["sqlite"]) {
		t.Fatalf("mysql %v, sqlite %v", names["mysql"], names["sqlite"])
	}
	for i := range names["mysql"] {
		if names["mysql"][i] != names["sqlite"][i] {
			t.Errorf("migration %d: mysql %s, sqlite %s", i, names["mysql"][i], names["sqlite"][i])
		}
	}
	if _, err := For("postgres"); err == nil {
		t.Error("unknown dialect accepted")
	}
}
