package mcp

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/logistified/mcp-server/keys"
	"github.com/logistified/mcp-server/tools"
)

var update = flag.Bool("update", false, "rewrite testdata/tools.snap.json from the current tools")

const snapshotPath = "testdata/tools.snap.json"

type snapshotEntry struct {
	Scope keys.Scope `json:"scope"`
	Tool  mcpgo.Tool `json:"tool"`
}

// TestToolSnapshot fails when any tool's name, description, schema,
// annotations or scope differ from testdata/tools.snap.json: clients and
// prompts depend on them. After an intended change, run
// `go test ./mcp -run TestToolSnapshot -update` and review the diff.
func TestToolSnapshot(t *testing.T) {
	var entries []snapshotEntry
	for _, tool := range tools.All(tools.Deps{}) {
		entries = append(entries, snapshotEntry{Scope: tool.Scope, Tool: toolOf(tool.Def)})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Tool.Name < entries[j].Tool.Name })
	got, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(snapshotPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(snapshotPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(snapshotPath)
	if err != nil {
		t.Fatalf("reading the snapshot (create it with -update): %v", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	// Name what changed, tool by tool, rather than dump two files.
	byName := func(b []byte) map[string]string {
		var list []json.RawMessage
		if err := json.Unmarshal(b, &list); err != nil {
			t.Fatalf("parsing a snapshot: %v", err)
		}
		out := map[string]string{}
		for _, raw := range list {
			var e struct{ Tool struct{ Name string } }
			_ = json.Unmarshal(raw, &e)
			var compact bytes.Buffer
			_ = json.Compact(&compact, raw)
			out[e.Tool.Name] = compact.String()
		}
		return out
	}
	g, w := byName(got), byName(want)
	for name, def := range g {
		switch old, ok := w[name]; {
		case !ok:
			t.Errorf("tool %s is new", name)
		case old != def:
			t.Errorf("tool %s changed:\nwas: %s\nnow: %s", name, old, def)
		}
	}
	for name := range w {
		if _, ok := g[name]; !ok {
			t.Errorf("tool %s is gone", name)
		}
	}
	t.Log("if the change is intended, run: go test ./mcp -run TestToolSnapshot -update")
}

// The tools/list answer is read into the model's context on every
// conversation, so its size is budgeted: 16 KB for a read key, 32 KB for a
// write key.
func TestToolListSizes(t *testing.T) {
	var read, all []mcpgo.Tool
	for _, tool := range tools.All(tools.Deps{}) {
		all = append(all, toolOf(tool.Def))
		if tool.Scope == keys.ScopeRead {
			read = append(read, toolOf(tool.Def))
		}
	}
	for _, tc := range []struct {
		key    string
		tools  []mcpgo.Tool
		budget int
	}{
		{"read", read, 16 << 10},
		{"write", all, 32 << 10},
	} {
		b, err := json.Marshal(mcpgo.ListToolsResult{Tools: tc.tools})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("tools/list for a %s key: %d tools, %d bytes (budget %d)", tc.key, len(tc.tools), len(b), tc.budget)
		if len(b) > tc.budget {
			t.Errorf("tools/list for a %s key is %d bytes, over its %d-byte budget: shorten descriptions", tc.key, len(b), tc.budget)
		}
	}
}
