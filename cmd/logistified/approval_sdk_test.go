package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// A real client that can ask the person: the MCP TypeScript SDK's client
// (v2) with an elicitation handler, on a key whose every write needs
// approval. Over stdio with the initialize handshake the server asks with
// elicitation/create; with protocol 2026-07-28 (stdio, and stateless
// HTTP) it answers input_required and the SDK retries with the answer.
// Approve applies exactly the preview (a purchase order is made, audited
// human_in_client); Decline applies nothing. A client without elicitation
// is refused with the preview to show. The script lives in
// testdata/approval-sdk (.ci/run installs it); without node or `npm ci`
// there the test is skipped.
func TestApprovalWithTypeScriptSDK(t *testing.T) {
	dir, node, bin := sdkHarness(t, "cmd/logistified/testdata/approval-sdk", "client")
	for _, backend := range storagetest.Backends {
		t.Run(backend, func(t *testing.T) {
			url := storagetest.URL(t, backend)
			ctx := context.Background()
			db, err := storage.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			f := storagetest.Seed(t, db)
			k, err := access.New(db).CreateKey(ctx, f.Store.ID, access.NewKey{Scope: keys.ScopeWrite, Label: "Claude Code",
				CreatedByName: "Jane", CreatedByEmail: "jane@acme.com", Approval: "always"})
			if err != nil {
				t.Fatal(err)
			}
			rate, _ := auth.ParseRate("0")
			a := &app{stdout: io.Discard, stderr: io.Discard}
			h, err := a.httpHandler(db, zerolog.Nop(), nil, rate, "http://127.0.0.1:8080")
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()

			pos := func() int {
				var n int
				if err := db.Backend().QueryRow(ctx, `SELECT COUNT(*) FROM purchase_orders WHERE store_id = $1`, f.Store.ID).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			lastApproval := func() string {
				log, err := db.AuditLog(ctx, f.Store.ID, 5)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range log {
					if e.Action == "create_purchase_order" && e.Outcome == storage.OutcomeOK {
						return e.ApprovedBy
					}
				}
				return ""
			}
			for _, tc := range []struct {
				transport, era, answer string
			}{
				{"stdio", "legacy", "accept"},
				{"stdio", "legacy", "decline"},
				{"stdio", "modern", "accept"},
				{"http", "modern", "accept"},
				{"http", "modern", "decline"},
				{"http", "modern", "none"},
				{"http", "legacy", "accept"}, // stateless HTTP cannot ask before 2026-07-28
			} {
				t.Run(tc.transport+"/"+tc.era+"/"+tc.answer, func(t *testing.T) {
					before := pos()
					var out struct {
						Asked      []string        `json:"asked"`
						IsError    bool            `json:"is_error"`
						Text       string          `json:"text"`
						Structured json.RawMessage `json:"structured"`
						Error      string          `json:"error"`
						Stderr     string          `json:"stderr"`
					}
					runSDKScript(t, dir, node, "approval.mjs", &out, "TRANSPORT="+tc.transport, "ERA="+tc.era, "ANSWER="+tc.answer,
						"LOGISTIFIED_BIN="+bin, "LOGISTIFIED_API_KEY="+k.Secret, "LOGISTIFIED_DATABASE_URL="+url, "MCP_URL="+srv.URL+"/mcp",
						"TOOL=create_purchase_order", `ARGS={"supplier":"Summit Gear","location":"Warehouse","lines":[{"sku":"TRS-40","quantity":4}]}`)
					if out.Error != "" {
						t.Fatalf("the SDK client: %s\nstderr: %s", out.Error, out.Stderr)
					}
					canAsk := tc.answer != "none" && !(tc.transport == "http" && tc.era == "legacy")
					if canAsk != (len(out.Asked) == 1) {
						t.Fatalf("the person was asked %d times (%q), want asked: %v; result: %s", len(out.Asked), out.Asked, canAsk, out.Text)
					}
					if canAsk {
						for _, want := range []string{"Approve: Create purchase order", "Summit Gear", "TRS-40, ordered 4", "Approve applies exactly this"} {
							if !strings.Contains(out.Asked[0], want) {
								t.Errorf("the question lacks %q:\n%s", want, out.Asked[0])
							}
						}
					}
					switch {
					case canAsk && tc.answer == "accept":
						if out.IsError || !strings.Contains(string(out.Structured), `"purchase_order"`) || pos() != before+1 {
							t.Fatalf("approved, but: %s", out.Text)
						}
						if by := lastApproval(); by != storage.ApprovedHuman {
							t.Errorf("the audit says approved_by %q, want %s", by, storage.ApprovedHuman)
						}
					case canAsk:
						if !out.IsError || !strings.Contains(out.Text, "the merchant declined") || pos() != before {
							t.Fatalf("declined, but: %s", out.Text)
						}
					default:
						if !out.IsError || !strings.Contains(out.Text, "approval_required") || !strings.Contains(out.Text, `"preview_token":"lstp_`) || pos() != before {
							t.Fatalf("want the refusal with the preview, got: %s", out.Text)
						}
					}
				})
			}
		})
	}
}
