package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/mcp"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// jsonBlocks returns the JSON documents of a snippet: blocks that start
// with a line "{" and end with a line "}".
func jsonBlocks(t *testing.T, text string) []map[string]any {
	t.Helper()
	var out []map[string]any
	var block []string
	for _, line := range strings.Split(text, "\n") {
		if line == "{" || block != nil {
			block = append(block, line)
		}
		if line == "}" && block != nil {
			var v map[string]any
			if err := json.Unmarshal([]byte(strings.Join(block, "\n")), &v); err != nil {
				t.Fatalf("a JSON block does not parse: %v\n%s", err, strings.Join(block, "\n"))
			}
			out = append(out, v)
			block = nil
		}
	}
	return out
}

// entry digs mcpServers.logistified out of a client config.
func entry(t *testing.T, doc map[string]any) map[string]any {
	t.Helper()
	servers, _ := doc["mcpServers"].(map[string]any)
	e, ok := servers["logistified"].(map[string]any)
	if !ok {
		t.Fatalf("no mcpServers.logistified in %v", doc)
	}
	return e
}

func TestConnectPrintsEachClientsConfiguration(t *testing.T) {
	key := testKey(t)
	const url = "https://mcp.example.com/mcp"
	run := func(t *testing.T, client string, extra ...string) string {
		t.Helper()
		out, stderr, err := runCmd(t, append([]string{"--database-url", "sqlite:/data/l.db", "connect", client, "--key", key, "--url", url}, extra...)...)
		if err != nil {
			t.Fatalf("connect %s: %v (%s)", client, err, stderr)
		}
		return out
	}

	t.Run("claude-desktop", func(t *testing.T) {
		out := run(t, "claude-desktop")
		blocks := jsonBlocks(t, out)
		if len(blocks) != 2 {
			t.Fatalf("want a stdio and an mcp-remote entry, got %d blocks:\n%s", len(blocks), out)
		}
		stdio := entry(t, blocks[0])
		env, _ := stdio["env"].(map[string]any)
		if stdio["command"] == "" || env["LOGISTIFIED_API_KEY"] != key || env["LOGISTIFIED_DATABASE_URL"] != "sqlite:/data/l.db" ||
			!slicesEqual(stdio["args"], "stdio") {
			t.Errorf("stdio entry = %v", stdio)
		}
		bridge := entry(t, blocks[1])
		env, _ = bridge["env"].(map[string]any)
		if bridge["command"] != "npx" || !slicesEqual(bridge["args"], "-y", "mcp-remote", url, "--header", "Authorization:${LOGISTIFIED_AUTH_HEADER}") ||
			env["LOGISTIFIED_AUTH_HEADER"] != "Bearer "+key {
			t.Errorf("mcp-remote entry = %v", bridge)
		}
	})
	t.Run("cursor", func(t *testing.T) {
		blocks := jsonBlocks(t, run(t, "cursor"))
		if len(blocks) != 2 {
			t.Fatalf("want a stdio and an HTTP entry, got %d", len(blocks))
		}
		if env, _ := entry(t, blocks[0])["env"].(map[string]any); env["LOGISTIFIED_API_KEY"] != key {
			t.Errorf("stdio entry = %v", blocks[0])
		}
		http := entry(t, blocks[1])
		if headers, _ := http["headers"].(map[string]any); http["url"] != url || headers["Authorization"] != "Bearer "+key {
			t.Errorf("HTTP entry = %v", http)
		}
	})
	t.Run("claude-code", func(t *testing.T) {
		out := run(t, "claude-code")
		for _, want := range []string{
			"claude mcp add logistified --transport stdio --env LOGISTIFIED_API_KEY=" + key + " --env LOGISTIFIED_DATABASE_URL=sqlite:/data/l.db -- ",
			"claude mcp add --transport http logistified " + url + " --header 'Authorization: Bearer " + key + "'",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("claude-code lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("codex", func(t *testing.T) {
		out := run(t, "codex")
		for _, want := range []string{
			"[mcp_servers.logistified]\ncommand = ",
			`args = ["stdio"]`,
			`env = { LOGISTIFIED_API_KEY = "` + key + `", LOGISTIFIED_DATABASE_URL = "sqlite:/data/l.db" }`,
			"url = \"" + url + "\"\nbearer_token_env_var = \"LOGISTIFIED_API_KEY\"",
			"export LOGISTIFIED_API_KEY=" + key,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("codex lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("http", func(t *testing.T) {
		out := run(t, "http")
		for _, req := range curlSession {
			if !strings.Contains(out, shellQuote(req.body)) {
				t.Errorf("the curl session lacks %s", req.body)
			}
		}
		if !strings.Contains(out, `-H "Authorization: Bearer $LOGISTIFIED_API_KEY"`) {
			t.Errorf("the curl session does not send the key:\n%s", out)
		}
	})
}

func TestConnectKeyAndURLDefaults(t *testing.T) {
	key := testKey(t)
	t.Setenv("LOGISTIFIED_DATABASE_URL", "")
	t.Setenv("LOGISTIFIED_API_KEY", "")
	out, _, err := runCmd(t, "connect", "cursor")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, keyPlaceholder) || !strings.Contains(out, "logistified keys create") || !strings.Contains(out, defaultMCPURL) {
		t.Errorf("without a key: want the placeholder, how to make a key and the default URL:\n%s", out)
	}
	if strings.Contains(out, "LOGISTIFIED_DATABASE_URL") {
		t.Errorf("the default database is named in the config:\n%s", out)
	}
	// Under go test the binary lives in a go-build folder, like a go run build.
	if !strings.Contains(out, "go install") {
		t.Errorf("a temporary binary is not flagged:\n%s", out)
	}
	t.Setenv("LOGISTIFIED_API_KEY", key)
	out, _, err = runCmd(t, "connect", "claude-desktop", "--url", "http://10.0.0.5:8080/mcp")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, key) || strings.Contains(out, keyPlaceholder) || !strings.Contains(out, "--allow-http") {
		t.Errorf("with LOGISTIFIED_API_KEY and a plain-http LAN URL:\n%s", out)
	}
}

func TestConnectRefusesBadInput(t *testing.T) {
	key := testKey(t)
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"connect", "vim"}, "unknown client"},
		{[]string{"connect", "cursor", "--key", key[:len(key)-1]}, "malformed"},
		{[]string{"connect", "cursor", "--key", key, "--url", "ftp://x/mcp"}, "not an http"},
		{[]string{"connect"}, "accepts 1 arg"},
	} {
		out, _, err := runCmd(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: %v, want an error saying %q", tc.args, err, tc.says)
		}
		if strings.Contains(out, key) || (err != nil && strings.Contains(err.Error(), key[:len(key)-1])) {
			t.Errorf("%v repeats the key", tc.args)
		}
	}
}

// The curl session the http snippet prints works against a real server.
func TestConnectCurlSessionWorks(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		srv := httptest.NewServer(mcp.New(mcp.Options{DB: db, Log: zerolog.Nop()}).Handler(mcp.HTTPOptions{}))
		defer srv.Close()
		for _, step := range curlSession {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/mcp", bytes.NewReader([]byte(step.body)))
			req.Header.Set("Authorization", "Bearer "+f.ReadKey.Secret)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if step.protocolHeader {
				req.Header.Set("MCP-Protocol-Version", curlProtocolVersion)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var msg struct {
				Result map[string]any
				Error  any
			}
			if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &msg) != nil || msg.Error != nil || msg.Result == nil || msg.Result["isError"] == true {
				t.Errorf("%s: %d %s", step.comment, resp.StatusCode, body)
			}
		}
	})
}

func slicesEqual(v any, want ...string) bool {
	got, _ := v.([]any)
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}
