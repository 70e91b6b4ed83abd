package oauth_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logistified/mcp-server/oauth"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/access"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// TestMCPTypeScriptSDK lets the official MCP TypeScript SDK's OAuth
// client connect to the real assembly: discovery from the 401,
// registration, PKCE, the approval with a connection code, the token
// exchange and MCP calls. It needs node and `npm ci` in
// testdata/sdk-interop; without them it is skipped.
func TestMCPTypeScriptSDK(t *testing.T) {
	dir := filepath.Join("testdata", "sdk-interop")
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("TypeScript SDK interop skipped: node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		t.Skip("TypeScript SDK interop skipped: run `npm ci --prefix oauth/testdata/sdk-interop` first")
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		fx := storagetest.SeedStore(t, db, "acme.myshopify.com")
		jane, err := access.New(db).AddMember(ctx, fx.Store.ID, access.NewMember{Name: "Jane Doe", Email: "jane@acme.com"}, access.Person{Name: "test"})
		if err != nil {
			t.Fatal(err)
		}
		r := newRig(t, db, oauth.MetadataFetch{})
		code := connectionCode(r, fx.Store.ID, jane, "")
		cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(cctx, node, "run.mjs")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LOGISTIFIED_BASE="+r.ts.URL, "LOGISTIFIED_CONNECTION_CODE="+code)
		outb, err := cmd.Output()
		if err != nil {
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("the SDK client failed: %v\n%s", err, stderr)
		}
		var out struct {
			Registered      bool     `json:"registered"`
			Resource        string   `json:"resource"`
			ChallengeMethod string   `json:"challenge_method"`
			PageStatus      int      `json:"page_status"`
			ApprovalStatus  int      `json:"approval_status"`
			AccessPrefix    string   `json:"access_prefix"`
			RefreshPrefix   string   `json:"refresh_prefix"`
			Scope           string   `json:"scope"`
			Tools           []string `json:"tools"`
			OverviewError   bool     `json:"overview_error"`
			Store           string   `json:"store"`
		}
		if err := json.Unmarshal(outb, &out); err != nil {
			t.Fatalf("reading the SDK client's report %q: %v", outb, err)
		}
		tools := strings.Join(out.Tools, ",")
		if !out.Registered || out.Resource != r.ts.URL+"/mcp" || out.ChallengeMethod != "S256" || out.PageStatus != 200 || out.ApprovalStatus != 303 ||
			out.AccessPrefix != "lsto_" || out.RefreshPrefix != "lstr_" || out.Scope != "read" ||
			!strings.Contains(tools, "get_store_overview") || strings.Contains(tools, "create_purchase_order") ||
			out.OverviewError || out.Store != "acme.myshopify.com" {
			t.Errorf("the SDK client reported %+v", out)
		}
	})
}
