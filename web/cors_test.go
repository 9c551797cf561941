package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestH5CORS(t *testing.T) {
	app, _ := newTestApp(t, Deps{H5: H5Config{Origins: []string{"https://bx.example.com", "https://portal.example.com"}}})
	for _, tc := range []struct {
		name, method, path, origin string
		wantOrigin                 string
		wantStatus                 int
	}{
		{"library for a listed origin", http.MethodGet, "/h5/lib/baoxiao-jsapi.mjs", "https://portal.example.com", "https://portal.example.com", 200},
		{"old library URL is not a CORS path", http.MethodGet, "/h5/baoxiao-jsapi.js", "https://portal.example.com", "", 200},
		{"page config", http.MethodGet, "/h5/config.json", "https://PORTAL.example.com", "https://PORTAL.example.com", 200},
		{"unlisted origin", http.MethodGet, "/h5/lib/baoxiao-jsapi.js", "https://evil.example.com", "", 200},
		{"preflight of the import", http.MethodOptions, "/api/v1/invoices/import", "https://portal.example.com", "https://portal.example.com", 204},
		{"preflight of another API", http.MethodOptions, "/api/v1/reports", "https://portal.example.com", "", 0},
		{"preflight from an unlisted origin", http.MethodOptions, "/api/v1/jsapi/config", "https://evil.example.com", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			req.Header.Set("Origin", tc.origin)
			if tc.method == http.MethodOptions {
				req.Header.Set("Access-Control-Request-Method", "POST")
				req.Header.Set("Access-Control-Request-Headers", "content-type")
			}
			res := send(t, app, req)
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != tc.wantOrigin {
				t.Errorf("Allow-Origin = %q, want %q", got, tc.wantOrigin)
			}
			if tc.wantOrigin != "" && res.Header.Get("Access-Control-Allow-Credentials") != "true" {
				t.Error("no Allow-Credentials")
			}
			if tc.wantStatus != 0 && res.StatusCode != tc.wantStatus {
				t.Errorf("status %d, want %d", res.StatusCode, tc.wantStatus)
			}
			if tc.wantStatus == 204 && res.Header.Get("Access-Control-Allow-Headers") == "" {
				t.Error("preflight without Allow-Headers")
			}
		})
	}
}
