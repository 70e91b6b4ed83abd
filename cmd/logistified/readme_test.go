package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logistified/mcp-server/rest"
)

// readmeMarker comes before every command block of README.md that runs
// against the example store: an HTML comment, so the README reads clean.
const readmeMarker = "<!-- readme-test: runs against the example store -->"

// readmeBase is the address the README's API calls are written for.
const readmeBase = "http://127.0.0.1:8080"

// readmeBlocks returns the marked command blocks of the README, in order.
func readmeBlocks(t *testing.T, readme string) []string {
	t.Helper()
	var blocks []string
	for _, part := range strings.Split(readme, readmeMarker)[1:] {
		part = strings.TrimLeft(part, "\n")
		if !strings.HasPrefix(part, "```sh\n") {
			t.Fatalf("%s is not followed by a ```sh block: %.60q", readmeMarker, part)
		}
		body, _, ok := strings.Cut(strings.TrimPrefix(part, "```sh\n"), "\n```")
		if !ok {
			t.Fatalf("an unterminated block after %s", readmeMarker)
		}
		blocks = append(blocks, body)
	}
	return blocks
}

// Every command block of the README marked as running against the example
// store runs as written: the blocks that set it up with the binary, then
// the API calls, with only the key (LOGISTIFIED_API_KEY, as the README
// says) and the server's address substituted. Each call answers 2xx with
// the envelope, and names the SKUs it asked for. The README's sentence on
// meta.total_count names exactly the lists that carry it.
func TestREADMEExamplesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("README examples skipped: curl is not installed")
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	var setup, calls []string
	for _, b := range readmeBlocks(t, readme) {
		if strings.Contains(b, "curl ") {
			calls = append(calls, b)
		} else {
			setup = append(setup, b)
		}
	}
	if len(setup) == 0 || len(calls) == 0 {
		t.Fatalf("the README marks %d setup and %d API blocks with %s; want both", len(setup), len(calls), readmeMarker)
	}

	// A copy of the layout the README's commands assume: the binary at the
	// root of the checkout, the example files under testdata/import.
	root := t.TempDir()
	bin := filepath.Join(root, "logistified")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	examples := filepath.Join(root, "testdata", "import")
	if err := os.MkdirAll(examples, 0o755); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "import", "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(examples, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	eachBackendURL(t, func(t *testing.T, url string) {
		env := append(os.Environ(), "LOGISTIFIED_DATABASE_URL="+url, "LOGISTIFIED_API_KEY=")
		run := func(script string, extra ...string) string {
			t.Helper()
			cmd := exec.Command("sh", "-e", "-c", script)
			cmd.Dir, cmd.Env = root, append(env, extra...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("the README block\n%s\nfailed: %v\n%s", script, err, stderr.String())
			}
			return stdout.String()
		}
		for _, b := range setup {
			run(b)
		}
		var created struct{ Key string }
		if err := json.Unmarshal([]byte(run(`./logistified keys create --store example.myshopify.com --scope write --label README `+
			`--created-by-name "Jane Doe" --created-by-email jane@example.com --json`)), &created); err != nil {
			t.Fatal(err)
		}
		base := startServe(t, bin, env)

		out := t.TempDir()
		// curl as written, with its answer's status and body kept.
		prelude := `n=0
curl() { n=$((n+1)); command curl -sS -o "$README_OUT/$n.body" -w '%{http_code}\n' "$@" >>"$README_OUT/status"; }
`
		for _, b := range calls {
			run(prelude+strings.ReplaceAll(b, readmeBase, base), "LOGISTIFIED_API_KEY="+created.Key, "README_OUT="+out)
		}
		statusFile, _ := os.ReadFile(filepath.Join(out, "status"))
		statuses := strings.Fields(string(statusFile))
		commands := regexp.MustCompile(`(?m)^curl `).Split(strings.Join(calls, "\n"), -1)[1:]
		if len(statuses) != len(commands) {
			t.Fatalf("%d curl commands answered %d times", len(commands), len(statuses))
		}
		for i, command := range commands {
			body, _ := os.ReadFile(filepath.Join(out, fmt.Sprint(i+1)+".body"))
			var doc struct {
				Data json.RawMessage
				Meta struct {
					RequestID string `json:"request_id"`
				}
			}
			if !strings.HasPrefix(statuses[i], "2") || json.Unmarshal(body, &doc) != nil || len(doc.Data) < 3 || doc.Meta.RequestID == "" {
				t.Errorf("curl %s\nanswered %s: %s", command, statuses[i], body)
				continue
			}
			for _, sku := range regexp.MustCompile(`TRS-\d+`).FindAllString(command, -1) {
				if !bytes.Contains(doc.Data, []byte(`"`+sku+`"`)) {
					t.Errorf("curl %s\nanswered without %s: %s", command, sku, body)
				}
			}
		}

		t.Run("total_count", func(t *testing.T) {
			m := regexp.MustCompile("`meta.total_count` gives the\\s+size of the whole filtered list for ([^;]+);").FindStringSubmatch(readme)
			if m == nil {
				t.Fatal("the README no longer says which lists carry meta.total_count")
			}
			said := regexp.MustCompile("`(/[a-z-]+)`").FindAllStringSubmatch(m[1], -1)
			var documented, counted []string
			for _, s := range said {
				documented = append(documented, s[1])
			}
			for _, r := range rest.Routes {
				if r.Method != http.MethodGet || strings.Contains(r.Path, "{") {
					continue
				}
				req, _ := http.NewRequest(http.MethodGet, base+"/api/v1"+r.Path+listQuery[r.Path], nil)
				req.Header.Set("Authorization", "Bearer "+created.Key)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var doc struct{ Meta map[string]any }
				_ = json.NewDecoder(resp.Body).Decode(&doc)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s answered %d", r.Path, resp.StatusCode)
				}
				if _, ok := doc.Meta["total_count"]; ok {
					counted = append(counted, r.Path)
				}
			}
			slices.Sort(documented)
			slices.Sort(counted)
			if !slices.Equal(documented, counted) {
				t.Errorf("the README says meta.total_count is on %v; the API gives it on %v", documented, counted)
			}
		})
	})
}

// listQuery is what a list needs to answer at all on the example store.
var listQuery = map[string]string{
	"/inventory-levels": "?skus=TRS-42",
	"/demand":           "?sku=TRS-42",
}

// startServe runs `logistified serve` on a free loopback port until the
// test ends and returns its base URL once it answers.
func startServe(t *testing.T, bin string, env []string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", addr)
	cmd.Env = env
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
	}
	t.Fatalf("serve did not answer on %s", addr)
	return ""
}
