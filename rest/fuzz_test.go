package rest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/rest"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// FuzzRESTHandler sends arbitrary methods, paths, query strings and bodies
// with a read key: every answer is a clear 4xx or a success, in JSON, and
// nothing is ever written.
func FuzzRESTHandler(f *testing.F) {
	for _, seed := range []struct{ method, target, body string }{
		{"GET", "/api/v1/store", ""},
		{"GET", "/api/v1/purchase-orders?limit=abc&status=draft", ""},
		{"GET", "/api/v1/inventory-levels?skus=TRS-40,,TRS-42&variant_ids=1&variant_ids=-2", ""},
		{"GET", "/api/v1/suppliers/Summit%20Gear", ""},
		{"GET", "/api/v1/purchase-orders/..%2F..%2Fstore", ""},
		{"POST", "/api/v1/purchase-orders?dry_run=true", `{"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":1}]}`},
		{"PATCH", "/api/v1/purchase-orders/PO-1001", `{"note":"x"}`},
		{"DELETE", "/api/v1/reorder-rules", `{"rules":[{"sku":"TRS-40"}]}`},
		{"POST", "/api/v1/purchase-orders", `{"dry_run":true,"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":1,"sku":"TRS-42"}],"dry_run":false}`},
		{"POST", "/api/v1/purchase-orders/PO-1001/send?dry_run=false", `{"DRY_RUN":true}`},
		{"PUT", "/api/v1/reorder-rules", `[`},
		{"OPTIONS", "/api/v1/transfers", ""},
		{"GET", "/api/v1/openapi.json", ""},
		{"GET", "/api/v1/", "\x00"},
	} {
		f.Add(seed.method, seed.target, seed.body)
	}
	db := storagetest.Open(f, "sqlite")
	fx := storagetest.Seed(f, db)
	h := rest.New(rest.Options{DB: db, Log: zerolog.Nop()})
	key := fx.ReadKey.Secret
	allowed := []int{http.StatusOK, http.StatusNotModified, http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound,
		http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}
	f.Fuzz(func(t *testing.T, method, target, body string) {
		if !validMethod(method) || !strings.HasPrefix(target, "/api/v1/") || strings.ContainsAny(target, " \t\r\n#") {
			t.Skip()
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+target, strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !slices.Contains(allowed, rec.Code) {
			t.Fatalf("%s %s %q: status %d: %s", method, target, body, rec.Code, rec.Body.String())
		}
		if rec.Code != http.StatusNotModified && method != http.MethodHead && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s %q: not JSON: %s", method, target, body, rec.Body.String())
		}
		if rec.Code == http.StatusOK && method != http.MethodGet && method != http.MethodHead {
			t.Fatalf("%s %s %q: a read key wrote: %s", method, target, body, rec.Body.String())
		}
	})
}

func validMethod(m string) bool {
	if m == "" || len(m) > 10 {
		return false
	}
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}
