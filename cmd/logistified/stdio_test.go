package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logistified/mcp-server/auth"
	"github.com/logistified/mcp-server/storage/storagetest"
)

// Each stdio configuration connect prints starts a working server when run
// exactly as its client runs it: the command, arguments and environment of
// the configuration, and nothing of the shell's environment. The database
// is chosen the way a user would have: a non-default LOGISTIFIED_HOME
// (SQLite) or LOGISTIFIED_DATABASE_URL (PostgreSQL).
func TestClientsStartTheServerAsConfigured(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "logistified")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, backend := range storagetest.Backends {
		t.Run(backend, func(t *testing.T) {
			shell := append(os.Environ(), "LOGISTIFIED_API_KEY=", "LOGISTIFIED_DATABASE_URL=", "LOGISTIFIED_HOME=")
			if backend == "sqlite" {
				shell = append(shell, "LOGISTIFIED_HOME="+t.TempDir())
			} else {
				shell = append(shell, "LOGISTIFIED_DATABASE_URL="+storagetest.URL(t, backend))
			}
			cli := func(args ...string) string {
				t.Helper()
				var stdout, stderr bytes.Buffer
				cmd := exec.Command(bin, args...)
				cmd.Env, cmd.Stdout, cmd.Stderr = shell, &stdout, &stderr
				if err := cmd.Run(); err != nil {
					t.Fatalf("logistified %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
				}
				return stdout.String()
			}
			cli("stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme")
			var created struct{ Key string }
			if err := json.Unmarshal([]byte(cli("keys", "create", "--store", "acme.myshopify.com", "--created-by-name", "J", "--created-by-email", "j@x.com", "--json")), &created); err != nil {
				t.Fatal(err)
			}
			for _, client := range []string{"claude-code", "codex", "claude-desktop", "cursor"} {
				t.Run(client, func(t *testing.T) {
					out := cli("connect", client, "--key", created.Key)
					var command string
					var args, env []string
					switch client {
					case "claude-code":
						call := runClaudeScript(t, out)[0]
						dash := slices.Index(call, "--")
						for i, a := range call[:dash] {
							if a == "--env" {
								env = append(env, call[i+1])
							}
						}
						command, args = call[dash+1], call[dash+2:]
					case "codex":
						e := dig(parseTOML(t, out), "mcp_servers", "logistified")
						command, args, env = configured(e)
					default:
						command, args, env = configured(dig(parseJSON(t, out), "mcpServers", "logistified"))
					}
					if command != bin {
						t.Fatalf("command %q, want %q", command, bin)
					}
					replies := stdioSession(t, command, args, env)
					if !strings.Contains(replies[3], "Acme") {
						t.Errorf("get_store_overview answered %s", replies[3])
					}
				})
			}
		})
	}
}

// configured reads command, args and env from a JSON or TOML server entry.
func configured(e any) (command string, args, env []string) {
	command, _ = dig(e, "command").(string)
	list, _ := dig(e, "args").([]any)
	for _, a := range list {
		args = append(args, a.(string))
	}
	vars, _ := dig(e, "env").(map[string]any)
	for k, v := range vars {
		env = append(env, k+"="+v.(string))
	}
	return command, args, env
}

// stdioSession runs an MCP session over the server's stdin and stdout as a
// client does, keeping stdin open while it waits: initialize, then
// get_store_overview. It returns the replies by id.
func stdioSession(t *testing.T, command string, args, env []string) map[float64]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, command, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Wait() }()
	defer stdin.Close()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	replies := map[float64]string{}
	exchange := func(id float64, lines ...string) {
		t.Helper()
		for _, l := range lines {
			if _, err := io.WriteString(stdin, l+"\n"); err != nil {
				t.Fatalf("writing to the server: %v\nstderr: %s", err, stderr.String())
			}
		}
		for sc.Scan() {
			var msg struct {
				ID     float64
				Result json.RawMessage
				Error  json.RawMessage
			}
			if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
				t.Fatalf("stdout carries a line that is not JSON-RPC: %q", sc.Text())
			}
			if msg.Error != nil || bytes.Contains(msg.Result, []byte(`"isError":true`)) {
				t.Fatalf("reply %v is an error: %s", msg.ID, sc.Text())
			}
			replies[msg.ID] = string(msg.Result)
			if msg.ID == id {
				return
			}
		}
		t.Fatalf("the server started with env %q ended before reply %v\nstderr: %s", redactKeys(env), id, stderr.String())
	}
	exchange(1, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}`)
	exchange(3, `{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_store_overview","arguments":{}}}`)
	return replies
}

var stdioKeyPattern = regexp.MustCompile(`lstk_[0-9A-Za-z]+`)

func redactKeys(env []string) []string {
	out := make([]string, len(env))
	for i, e := range env {
		out[i] = stdioKeyPattern.ReplaceAllString(e, "lstk_…")
	}
	return out
}

// stdio opens only a database that exists: a mistyped path is an error
// naming it and saying how to point at the right one, and leaves nothing
// behind. A key the database does not know is an error naming the database.
func TestStdioNamesTheDatabaseAndCreatesNone(t *testing.T) {
	key := testKey(t)
	t.Setenv("LOGISTIFIED_API_KEY", key)
	t.Run("missing SQLite file", func(t *testing.T) {
		dir := t.TempDir()
		for _, url := range []string{"sqlite:" + filepath.Join(dir, "typo", "l.db"), filepath.Join(dir, "l.db")} {
			_, _, err := runCmd(t, "--database-url", url, "stdio")
			if err == nil {
				t.Fatalf("%s: stdio started", url)
			}
			for _, want := range []string{"no database at " + url, "LOGISTIFIED_DATABASE_URL", "logistified demo"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s: %q lacks %q", url, err, want)
				}
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("%s: stdio left %v behind", url, left)
			}
		}
	})
	t.Run("missing default database", func(t *testing.T) {
		home := filepath.Join(t.TempDir(), "home")
		t.Setenv("LOGISTIFIED_DATABASE_URL", "")
		t.Setenv("LOGISTIFIED_HOME", home)
		_, _, err := runCmd(t, "stdio")
		if err == nil || !strings.Contains(err.Error(), filepath.Join(home, "logistified.db")) {
			t.Errorf("%v", err)
		}
		if _, statErr := os.Stat(home); !os.IsNotExist(statErr) {
			t.Errorf("stdio created %s", home)
		}
	})
	eachBackendURL(t, func(t *testing.T, url string) {
		mustRun(t, url, "migrate")
		_, _, err := runCmd(t, "--database-url", url, "stdio")
		if err == nil {
			t.Fatal("stdio started with an unknown key")
		}
		msg := err.Error()
		for _, want := range []string{"unknown or revoked in the database " + redactURL(url), "LOGISTIFIED_DATABASE_URL", createKeyCommand} {
			if !strings.Contains(msg, want) {
				t.Errorf("%q lacks %q", msg, want)
			}
		}
		if strings.Contains(msg, key) {
			t.Error("the error repeats the key")
		}
	})
}

// The command every refusal advises works as typed, once its capitalised
// placeholders are filled in.
func TestAdvisedKeyCommandWorks(t *testing.T) {
	a := auth.New(nil, nil)
	t.Setenv("LOGISTIFIED_API_KEY", "")
	_, _, stdioErr := runCmd(t, "stdio")
	sentences := map[string]string{
		"missing":    a.Refused(auth.ReasonMissing, nil).Msg,
		"unknown":    a.Refused(auth.ReasonUnknown, nil).Msg,
		"stdio":      stdioErr.Error(),
		"stdio-once": createKeyCommand,
	}
	eachBackendURL(t, func(t *testing.T, url string) {
		mustRun(t, url, "stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme")
		fill := strings.NewReplacer("DOMAIN", "acme.myshopify.com", "NAME", "Jane", "EMAIL", "jane@acme.com")
		for name, sentence := range sentences {
			m := regexp.MustCompile("`logistified (keys create[^`]*)`").FindStringSubmatch(sentence)
			if m == nil {
				t.Errorf("%s advises no keys create command: %q", name, sentence)
				continue
			}
			args := append([]string{"--database-url", url}, strings.Fields(fill.Replace(m[1]))...)
			if _, stderr, err := runCmd(t, args...); err != nil {
				t.Errorf("%s advises `logistified %s`, which fails: %v %s", name, m[1], err, stderr)
			}
		}
	})
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:s3cret@db:5432/lf?sslmode=require": "postgres://app:PASSWORD@db:5432/lf?sslmode=require",
		"postgres://app@db/lf":                             "postgres://app@db/lf",
		"sqlite:/data/l.db":                                "sqlite:/data/l.db",
		"/home/a@b/l.db":                                   "/home/a@b/l.db",
		"postgres://app:s%zz@db/lf":                        "postgres://…",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// problemSession runs stdio with the given arguments as a client would talk
// to it (initialize, tools/list, two tool calls, then stdin closes) and
// returns the replies by id, stderr and the command's error.
func problemSession(t *testing.T, args ...string) (replies map[float64]json.RawMessage, stderr string, err error) {
	t.Helper()
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_store_overview","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"no_such_tool"}}`,
	}, "\n") + "\n"
	var out, errOut bytes.Buffer
	root := newRootCmd(&out, &errOut)
	root.SetIn(strings.NewReader(in))
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	replies = map[float64]json.RawMessage{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var msg struct {
			ID     float64
			Result json.RawMessage
			Error  json.RawMessage
		}
		if jerr := json.Unmarshal([]byte(line), &msg); jerr != nil {
			t.Fatalf("stdout carries a line that is not JSON-RPC: %q", line)
		}
		if msg.Error != nil {
			t.Errorf("reply %v is a protocol error: %s", msg.ID, line)
		}
		replies[msg.ID] = msg.Result
	}
	return replies, errOut.String(), err
}

// For every startup problem stdio can put in words, it serves a session
// that says it (instructions, an empty tool list, every call a tool error
// with the sentence), says it on stderr, creates nothing and still fails.
func TestStdioServesTheStartupProblem(t *testing.T) {
	type problemCase struct {
		name string
		args []string
		key  string
		want []string // in the sentence
	}
	check := func(t *testing.T, tc problemCase, dir string) {
		t.Helper()
		t.Setenv("LOGISTIFIED_API_KEY", tc.key)
		replies, stderr, err := problemSession(t, tc.args...)
		if err == nil {
			t.Fatal("stdio exited 0 after a startup problem")
		}
		sentence := userMessage(err)
		for _, w := range tc.want {
			if !strings.Contains(sentence, w) {
				t.Errorf("the sentence %q lacks %q", sentence, w)
			}
		}
		if !strings.Contains(stderr, sentence) {
			t.Errorf("stderr %q lacks the sentence %q", stderr, sentence)
		}
		var init struct{ Instructions string }
		_ = json.Unmarshal(replies[1], &init)
		if !strings.Contains(init.Instructions, sentence) {
			t.Errorf("initialize answered %s, without the sentence %q", replies[1], sentence)
		}
		var list struct{ Tools *[]any }
		if jerr := json.Unmarshal(replies[2], &list); jerr != nil || list.Tools == nil || len(*list.Tools) != 0 {
			t.Errorf("tools/list answered %s, want an empty list", replies[2])
		}
		for _, id := range []float64{3, 4} {
			var call struct {
				IsError bool
				Content []struct{ Text string }
			}
			_ = json.Unmarshal(replies[id], &call)
			if !call.IsError || len(call.Content) != 1 || !strings.Contains(call.Content[0].Text, sentence) {
				t.Errorf("tools/call %v answered %s, want a tool error with %q", id, replies[id], sentence)
			}
		}
		if tc.key != "" && (strings.Contains(stderr, tc.key) || strings.Contains(sentence, tc.key)) {
			t.Error("the key is repeated")
		}
		if dir != "" {
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("stdio left %v behind", left)
			}
		}
	}

	dir := t.TempDir()
	for _, tc := range []problemCase{
		{"no key", []string{"--database-url", "sqlite:" + filepath.Join(dir, "l.db"), "stdio"}, "", []string{"LOGISTIFIED_API_KEY is not set", "keys create"}},
		{"mistyped SQLite path", []string{"--database-url", "sqlite:" + filepath.Join(dir, "typo", "l.db"), "stdio"}, testKey(t), []string{"no database at sqlite:" + filepath.Join(dir, "typo", "l.db"), "LOGISTIFIED_DATABASE_URL"}},
		{"mistyped file path", []string{"--database-url", filepath.Join(dir, "l.db"), "stdio"}, testKey(t), []string{"no database at " + filepath.Join(dir, "l.db")}},
		{"unsupported URL", []string{"--database-url", "mysql://db/lf", "stdio"}, testKey(t), []string{`scheme "mysql" is not supported`}},
	} {
		t.Run(tc.name, func(t *testing.T) { check(t, tc, dir) })
	}

	t.Run("mistyped PostgreSQL database", func(t *testing.T) {
		base := storagetest.PostgresURL(t)
		typo := regexp.MustCompile(`^(postgres(ql)?://[^/]*)/[^?]*`).ReplaceAllString(base, "${1}/logistified_no_such_db")
		check(t, problemCase{args: []string{"--database-url", typo, "stdio"}, key: testKey(t), want: []string{"logistified_no_such_db", "does not exist"}}, "")
	})

	eachBackendURL(t, func(t *testing.T, url string) {
		mustRun(t, url, "stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme")
		var created struct{ Key, Prefix string }
		if err := json.Unmarshal([]byte(mustRun(t, url, "keys", "create", "--store", "acme.myshopify.com", "--label", "Claude Desktop",
			"--created-by-name", "Jane", "--created-by-email", "jane@acme.com", "--json")), &created); err != nil {
			t.Fatal(err)
		}
		mustRun(t, url, "keys", "revoke", "--store", "acme.myshopify.com", created.Prefix)
		today := time.Now().UTC().Format("2006-01-02")
		for _, tc := range []problemCase{
			{"unknown key", nil, testKey(t), []string{"unknown or revoked in the database " + redactURL(url), createKeyCommand}},
			{"malformed key", nil, "lstk_short", []string{"malformed"}},
			{"access token", nil, "lsto_" + strings.Repeat("a", 38), []string{"OAuth access token", "lstk_"}},
			{"revoked key", nil, created.Key, []string{
				"the key " + created.Prefix + ` ("Claude Desktop") of acme.myshopify.com`, "revoked on " + today, "at the command line",
				"`logistified keys create --store acme.myshopify.com --created-by-name NAME --created-by-email EMAIL`",
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.args = []string{"--database-url", url, "stdio"}
				check(t, tc, "")
			})
		}
	})
}
