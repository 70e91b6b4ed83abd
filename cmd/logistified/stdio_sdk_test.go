package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The MCP TypeScript SDK's stdio client, started on a revoked key as Claude
// Code would start the server, connects, and the assistant reads why
// nothing works: the instructions and every tool call carry the sentence
// naming the key, who revoked it and when, and how to make a new one. The
// script lives with the OAuth interop test's npm project (.ci/run installs
// it); without node or `npm ci` there the test is skipped.
func TestStdioProblemWithTypeScriptSDK(t *testing.T) {
	dir, node, bin := sdkHarness(t, "oauth/testdata/sdk-interop", "sdk")
	eachBackendURL(t, func(t *testing.T, url string) {
		mustRun(t, url, "stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme")
		var created struct{ Key, Prefix string }
		if err := json.Unmarshal([]byte(mustRun(t, url, "keys", "create", "--store", "acme.myshopify.com", "--label", "Claude Code",
			"--created-by-name", "Jane", "--created-by-email", "jane@acme.com", "--json")), &created); err != nil {
			t.Fatal(err)
		}
		mustRun(t, url, "keys", "revoke", "--store", "acme.myshopify.com", created.Prefix)

		var out struct {
			Connected    bool     `json:"connected"`
			Error        string   `json:"error"`
			Instructions string   `json:"instructions"`
			Tools        []string `json:"tools"`
			CallIsError  bool     `json:"call_is_error"`
			CallText     string   `json:"call_text"`
			ExitCode     *int     `json:"exit_code"`
			Stderr       string   `json:"stderr"`
		}
		outb := runSDKScript(t, dir, node, "stdio-problem.mjs", &out, "LOGISTIFIED_BIN="+bin, "LOGISTIFIED_API_KEY="+created.Key, "LOGISTIFIED_DATABASE_URL="+url)
		if !out.Connected || out.Error != "" {
			t.Fatalf("the SDK client did not connect: %s\nstderr: %s", out.Error, out.Stderr)
		}
		today := time.Now().UTC().Format("2006-01-02")
		for _, want := range []string{
			"the key " + created.Prefix + ` ("Claude Code") of acme.myshopify.com`,
			"revoked on " + today, "at the command line",
			"`logistified keys create --store acme.myshopify.com --created-by-name NAME --created-by-email EMAIL`",
		} {
			for where, text := range map[string]string{"instructions": out.Instructions, "the tool call": out.CallText, "stderr": out.Stderr} {
				if !strings.Contains(text, want) {
					t.Errorf("%s lacks %q: %s", where, want, text)
				}
			}
		}
		if len(out.Tools) != 0 || !out.CallIsError {
			t.Errorf("tools %v, the call is an error: %v; want no tools and a tool error", out.Tools, out.CallIsError)
		}
		if out.ExitCode == nil || *out.ExitCode == 0 {
			t.Errorf("the server exited with %v when the client closed stdin, want non-zero", out.ExitCode)
		}
		if strings.Contains(string(outb), created.Key) {
			t.Error("the key is repeated")
		}
	})
}

// sdkHarness prepares a test that drives the built server from a node
// script of the npm project at projectDir (from the module root), which
// must have installed @modelcontextprotocol/pkg: the project's directory,
// node, and the server binary. Without node or `npm ci` there the test is
// skipped.
func sdkHarness(t *testing.T, projectDir, pkg string) (dir, node, bin string) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", filepath.FromSlash(projectDir)))
	if err != nil {
		t.Fatal(err)
	}
	node, err = exec.LookPath("node")
	if err != nil {
		t.Skip("TypeScript SDK interop skipped: node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", pkg)); err != nil {
		t.Skipf("TypeScript SDK interop skipped: run `npm ci --prefix %s` first", projectDir)
	}
	bin = filepath.Join(t.TempDir(), "logistified")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir, node, bin
}

// runSDKScript runs script with node in dir, with env added to the test's
// own, for at most a minute, and decodes the JSON report it prints into
// out. It returns the report as printed.
func runSDKScript(t *testing.T, dir, node, script string, out any, env ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	outb, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("the SDK client failed: %v\n%s", err, stderr)
	}
	if err := json.Unmarshal(outb, out); err != nil {
		t.Fatalf("reading the SDK client's report %q: %v", outb, err)
	}
	return outb
}
