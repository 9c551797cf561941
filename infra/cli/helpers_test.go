package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/infra/store"
)

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func decodeJSON(r io.Reader, v any) { _ = json.NewDecoder(r).Decode(v) }

func newJar() http.CookieJar {
	jar, _ := cookiejar.New(nil)
	return jar
}

func newDirectory(s *store.Store) *app.Directory {
	return app.NewDirectory(s.Employees, app.SystemClock{})
}
