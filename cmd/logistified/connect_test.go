package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
	"github.com/rs/zerolog"

	"github.com/logistified/mcp-server/clientconfig"
	"github.com/logistified/mcp-server/mcp"
	"github.com/logistified/mcp-server/rest"
	"github.com/logistified/mcp-server/storage"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// parseJSON parses text as one JSON document, nothing before or after it.
func parseJSON(t *testing.T, text string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, text)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("more than one JSON document:\n%s", text)
	}
	return v
}

// parseTOML parses text as a TOML document, as Codex reads config.toml.
func parseTOML(t *testing.T, text string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := toml.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("not a valid TOML document: %v\n%s", err, text)
	}
	return v
}

// checkShell has sh parse text as a script, without running it.
func checkShell(t *testing.T, text string) {
	t.Helper()
	cmd := exec.Command("sh", "-n")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("not a valid shell script: %v %s\n%s", err, out, text)
	}
}

// dig walks nested maps by keys.
func dig(v any, path ...string) any {
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// Every configuration connect prints is one valid document in its client's
// format, whole, and names the key, the URL and the database.
func TestConnectPrintsEachClientsConfiguration(t *testing.T) {
	key := testKey(t)
	const url = "https://mcp.example.com/mcp"
	dbURL := "sqlite:/data/l.db"
	run := func(t *testing.T, client string, extra ...string) string {
		t.Helper()
		out, stderr, err := runCmd(t, append([]string{"--database-url", dbURL, "connect", client, "--key", key, "--url", url}, extra...)...)
		if err != nil {
			t.Fatalf("connect %s: %v (%s)", client, err, stderr)
		}
		return out
	}
	stdioEnvOK := func(env any) bool {
		e, _ := env.(map[string]any)
		return len(e) == 2 && e["LOGISTIFIED_API_KEY"] == key && e["LOGISTIFIED_DATABASE_URL"] == dbURL
	}

	t.Run("claude-desktop", func(t *testing.T) {
		e := dig(parseJSON(t, run(t, "claude-desktop")), "mcpServers", "logistified")
		if dig(e, "command") == "" || !slicesEqual(dig(e, "args"), "stdio") || !stdioEnvOK(dig(e, "env")) {
			t.Errorf("stdio entry = %v", e)
		}
		e = dig(parseJSON(t, run(t, "claude-desktop", "--http")), "mcpServers", "logistified")
		if dig(e, "command") != "npx" || !slicesEqual(dig(e, "args"), "-y", "mcp-remote", url, "--header", "Authorization:${LOGISTIFIED_AUTH_HEADER}") ||
			dig(e, "env", "LOGISTIFIED_AUTH_HEADER") != "Bearer "+key {
			t.Errorf("mcp-remote entry = %v", e)
		}
	})
	t.Run("cursor", func(t *testing.T) {
		e := dig(parseJSON(t, run(t, "cursor")), "mcpServers", "logistified")
		if !slicesEqual(dig(e, "args"), "stdio") || !stdioEnvOK(dig(e, "env")) {
			t.Errorf("stdio entry = %v", e)
		}
		e = dig(parseJSON(t, run(t, "cursor", "--http")), "mcpServers", "logistified")
		if dig(e, "url") != url || dig(e, "headers", "Authorization") != "Bearer "+key {
			t.Errorf("HTTP entry = %v", e)
		}
	})
	t.Run("codex", func(t *testing.T) {
		out := run(t, "codex")
		e := dig(parseTOML(t, out), "mcp_servers", "logistified")
		if dig(e, "command") == "" || !slicesEqual(dig(e, "args"), "stdio") || !stdioEnvOK(dig(e, "env")) || dig(e, "url") != nil {
			t.Errorf("stdio table = %v\n%s", e, out)
		}
		if strings.Contains(out, "export ") || strings.Count(out, "\n[mcp_servers.logistified]") != 1 {
			t.Errorf("not one fragment for config.toml:\n%s", out)
		}
		// The commented-out HTTP alternative is valid once uncommented.
		alt := out[strings.Index(out, "# Uncomment"):]
		alt = strings.ReplaceAll(alt[strings.Index(alt, "\n")+1:], "# ", "")
		e = dig(parseTOML(t, alt), "mcp_servers", "logistified")
		if dig(e, "url") != url || dig(e, "http_headers", "Authorization") != "Bearer "+key {
			t.Errorf("the commented HTTP alternative = %v", e)
		}
		e = dig(parseTOML(t, run(t, "codex", "--http")), "mcp_servers", "logistified")
		if dig(e, "url") != url || dig(e, "http_headers", "Authorization") != "Bearer "+key || dig(e, "command") != nil {
			t.Errorf("--http table = %v", e)
		}
	})
	t.Run("claude-code", func(t *testing.T) {
		for _, tc := range []struct {
			http bool
			want []string
		}{
			{false, []string{"mcp", "add", "logistified", "--transport", "stdio", "--env", "LOGISTIFIED_API_KEY=" + key, "--env", "LOGISTIFIED_DATABASE_URL=" + dbURL, "--"}},
			{true, []string{"mcp", "add", "--transport", "http", "logistified", url, "--header", "Authorization: Bearer " + key}},
		} {
			var extra []string
			if tc.http {
				extra = []string{"--http"}
			}
			calls := runClaudeScript(t, run(t, "claude-code", extra...))
			if len(calls) != 1 {
				t.Fatalf("the script runs claude %d times, want once: %q", len(calls), calls)
			}
			if got := calls[0]; len(got) < len(tc.want) || !slicesEqual(toAny(got[:len(tc.want)]), tc.want...) {
				t.Errorf("claude %q, want it to start with %q", got, tc.want)
			}
		}
	})
	for _, client := range []string{"http", "rest"} {
		t.Run(client, func(t *testing.T) {
			out := run(t, client)
			checkShell(t, out)
			if !strings.Contains(out, `-H "Authorization: Bearer $LOGISTIFIED_API_KEY"`) || !strings.Contains(out, "export LOGISTIFIED_API_KEY="+key) {
				t.Errorf("the curl session does not send the key:\n%s", out)
			}
		})
	}
	t.Run("http session", func(t *testing.T) {
		out := run(t, "http")
		for _, req := range curlSession {
			if !strings.Contains(out, shellQuote(req.body)) {
				t.Errorf("the curl session lacks %s", req.body)
			}
		}
	})
	t.Run("rest session", func(t *testing.T) {
		out := run(t, "rest")
		for _, want := range []string{
			"https://mcp.example.com/api/v1/store", "'https://mcp.example.com/api/v1/products?limit=20'",
			"next_cursor", "https://mcp.example.com/api/v1/openapi.json",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("connect rest lacks %q:\n%s", want, out)
			}
		}
		// The server's address or the API's base serve as --url too.
		for _, u := range []string{"https://mcp.example.com", "https://mcp.example.com/api/v1/"} {
			out, _, err := runCmd(t, "connect", "rest", "--key", key, "--url", u)
			if err != nil || !strings.Contains(out, "https://mcp.example.com/api/v1/store\n") {
				t.Errorf("--url %s: %v\n%s", u, err, out)
			}
		}
	})
}

// runClaudeScript runs a printed claude-code script with a stand-in claude
// on PATH and returns the arguments of each call.
func runClaudeScript(t *testing.T, script string) [][]string {
	t.Helper()
	dir := t.TempDir()
	record := filepath.Join(dir, "calls")
	fake := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done >> '" + record + "'\nprintf '\\n' >> '" + record + "'\n"
	if err := os.WriteFile(filepath.Join(dir, "claude"), []byte(fake), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-e")
	cmd.Stdin = strings.NewReader(script)
	cmd.Env = []string{"PATH=" + dir + string(os.PathListSeparator) + os.Getenv("PATH")}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the script fails: %v %s\n%s", err, out, script)
	}
	raw, err := os.ReadFile(record)
	if err != nil {
		return nil
	}
	var calls [][]string
	for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		calls = append(calls, strings.Split(strings.TrimSuffix(line, "\x00"), "\x00"))
	}
	return calls
}

// The keys page and serve --demo show every way to connect; each text is
// still valid as a whole where the format has comments.
func TestRenderedAlternativesStayValid(t *testing.T) {
	s := clientconfig.Setup{Binary: "/usr/local/bin/logistified", Key: testKey(t), URL: "http://127.0.0.1:8080/mcp", DatabaseURL: "sqlite:/d/l.db"}
	for _, client := range clientconfig.Clients {
		text, err := clientconfig.Render(client, s)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := clientconfig.Build(client, s)
		switch c.Format {
		case clientconfig.TOML:
			parseTOML(t, text)
		case clientconfig.Shell:
			checkShell(t, text)
		case clientconfig.JSON:
			// Notes and the alternative stand outside the blocks; each
			// block is a configuration.
			if n := len(jsonBlocks(t, text)); n != 2 {
				t.Errorf("%s: %d JSON blocks, want stdio and HTTP", client, n)
			}
		}
		if client == "claude-code" {
			if calls := runClaudeScript(t, text); len(calls) != 1 {
				t.Errorf("the claude-code text runs claude %d times", len(calls))
			}
		}
	}
}

// jsonBlocks returns the JSON documents of a text: blocks that start with a
// line "{" and end with a line "}".
func jsonBlocks(t *testing.T, text string) []map[string]any {
	t.Helper()
	var out []map[string]any
	var block []string
	for _, line := range strings.Split(text, "\n") {
		if line == "{" || block != nil {
			block = append(block, line)
		}
		if line == "}" && block != nil {
			out = append(out, parseJSON(t, strings.Join(block, "\n")))
			block = nil
		}
	}
	return out
}

// The database in use is carried into every stdio configuration, because
// clients start the server without the shell's environment; the default
// one is not named.
func TestConnectCarriesTheDatabase(t *testing.T) {
	key := testKey(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	cwd, _ := os.Getwd()
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string // "" for none
	}{
		{"default", nil, nil, ""},
		{"LOGISTIFIED_HOME set to the default", map[string]string{"LOGISTIFIED_HOME": filepath.Join(home, ".local", "share", "logistified")}, nil, ""},
		{"LOGISTIFIED_HOME", map[string]string{"LOGISTIFIED_HOME": "/srv/lf"}, nil, "sqlite:/srv/lf/logistified.db"},
		{"XDG_DATA_HOME", map[string]string{"XDG_DATA_HOME": "/srv/xdg"}, nil, "sqlite:/srv/xdg/logistified/logistified.db"},
		{"LOGISTIFIED_DATABASE_URL", map[string]string{"LOGISTIFIED_DATABASE_URL": "postgres://lf@db:5432/lf"}, nil, "postgres://lf@db:5432/lf"},
		{"--database-url over the variable", map[string]string{"LOGISTIFIED_DATABASE_URL": "postgres://lf@db:5432/lf"}, []string{"--database-url", "sqlite:/x/y.db"}, "sqlite:/x/y.db"},
		{"relative sqlite: path", nil, []string{"--database-url", "sqlite:data/l.db"}, "sqlite:" + filepath.Join(cwd, "data", "l.db")},
		{"relative plain path", nil, []string{"--database-url", "l.db"}, "sqlite:" + filepath.Join(cwd, "l.db")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, name := range []string{"LOGISTIFIED_HOME", "XDG_DATA_HOME", "LOGISTIFIED_DATABASE_URL"} {
				t.Setenv(name, tc.env[name])
			}
			for _, client := range []string{"claude-desktop", "claude-code", "codex", "cursor"} {
				out, _, err := runCmd(t, append(append([]string{}, tc.args...), "connect", client, "--key", key)...)
				if err != nil {
					t.Fatal(err)
				}
				var got any
				switch client {
				case "codex":
					got = dig(parseTOML(t, out), "mcp_servers", "logistified", "env", "LOGISTIFIED_DATABASE_URL")
				case "claude-code":
					for _, arg := range runClaudeScript(t, out)[0] {
						if v, ok := strings.CutPrefix(arg, "LOGISTIFIED_DATABASE_URL="); ok {
							got = v
						}
					}
				default:
					got = dig(parseJSON(t, out), "mcpServers", "logistified", "env", "LOGISTIFIED_DATABASE_URL")
				}
				if tc.want == "" && got != nil || tc.want != "" && got != tc.want {
					t.Errorf("%s: LOGISTIFIED_DATABASE_URL = %v, want %q", client, got, tc.want)
				}
			}
		})
	}
}

func TestConnectKeyAndURLDefaults(t *testing.T) {
	key := testKey(t)
	t.Setenv("LOGISTIFIED_DATABASE_URL", "")
	t.Setenv("LOGISTIFIED_API_KEY", "")
	out, stderr, err := runCmd(t, "connect", "cursor")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, keyPlaceholder) || !strings.Contains(stderr, "logistified keys create --store DOMAIN --created-by-name NAME --created-by-email EMAIL") ||
		!strings.Contains(stderr, "connect cursor --http") {
		t.Errorf("without a key: want the placeholder, and on stderr how to make a key and how to go over HTTP:\n%s\n%s", out, stderr)
	}
	// Under go test the binary lives in a go-build folder, like a go run build.
	if !strings.Contains(stderr, "go install") {
		t.Errorf("a temporary binary is not flagged:\n%s", stderr)
	}
	t.Setenv("LOGISTIFIED_API_KEY", key)
	out, _, err = runCmd(t, "connect", "claude-desktop", "--http", "--url", "http://10.0.0.5:8080/mcp")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, key) || strings.Contains(out, keyPlaceholder) || !strings.Contains(out, "--allow-http") {
		t.Errorf("with LOGISTIFIED_API_KEY and a plain-http LAN URL:\n%s", out)
	}
	out, _, err = runCmd(t, "connect", "http")
	if err != nil || !strings.Contains(out, defaultMCPURL) {
		t.Errorf("the default URL is not %s: %v\n%s", defaultMCPURL, err, out)
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

// The requests the rest snippet prints work against the real REST API, and
// the list pages as the snippet says.
func TestConnectRESTSessionWorks(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := storagetest.Seed(t, db)
		mux := http.NewServeMux()
		mux.Handle(rest.Base+"/", rest.New(rest.Options{DB: db, Log: zerolog.Nop()}))
		srv := httptest.NewServer(mux)
		defer srv.Close()
		base := clientconfig.RESTBase(srv.URL + "/mcp")
		get := func(url string, key string) (int, map[string]any) {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
			if key != "" {
				req.Header.Set("Authorization", "Bearer "+key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var doc map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&doc)
			return resp.StatusCode, doc
		}
		for _, step := range clientconfig.RESTSession {
			if code, doc := get(base+step.Path, f.ReadKey.Secret); code != http.StatusOK || doc["data"] == nil {
				t.Errorf("%s: %d %v", step.Path, code, doc)
			}
		}
		list := clientconfig.RESTSession[len(clientconfig.RESTSession)-1].Path
		code, doc := get(base+strings.Replace(list, "limit=20", "limit=1", 1), f.ReadKey.Secret)
		next, _ := dig(doc, "meta", "next_cursor").(string)
		if code != http.StatusOK || next == "" {
			t.Fatalf("%s with limit=1: %d, no next_cursor: %v", list, code, doc)
		}
		if code, doc := get(base+strings.Replace(list, "limit=20", "limit=1", 1)+"&cursor="+next, f.ReadKey.Secret); code != http.StatusOK || doc["data"] == nil {
			t.Errorf("the next page: %d %v", code, doc)
		}
		if code, doc := get(base+"/openapi.json", ""); code != http.StatusOK || doc["openapi"] == nil {
			t.Errorf("openapi.json without a key: %d", code)
		}
	})
}

func toAny(s []string) any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
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
