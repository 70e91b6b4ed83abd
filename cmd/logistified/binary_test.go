package main

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The built binary reports a refusal as one line on stderr, exits 1 and
// prints no stack trace; a success exits 0.
func TestBinaryExitCodeAndStderr(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "logistified")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := "sqlite:" + filepath.Join(dir, "cli.db")
	const password = "pw-never-shown"
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		mention string
	}{
		{"success", []string{"--database-url", db, "stores", "create", "--domain", "acme.myshopify.com", "--name", "Acme"}, 0, ""},
		{"unknown store", []string{"--database-url", db, "keys", "create", "--store", "nope.myshopify.com", "--created-by-name", "J", "--created-by-email", "j@x.com"}, 1, "no store has the domain"},
		{"bad scope", []string{"--database-url", db, "keys", "create", "--store", "acme.myshopify.com", "--scope", "root", "--created-by-name", "J", "--created-by-email", "j@x.com"}, 1, "use read or write"},
		{"unreachable database", []string{"--database-url", "postgres://u:" + password + "@127.0.0.1:1/db", "stores", "list"}, 1, "connecting to PostgreSQL"},
		{"unknown flag", []string{"stores", "list", "--nope"}, 1, "unknown flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, tc.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.Env = append(cmd.Environ(), "LOGISTIFIED_HOME="+dir)
			err := cmd.Run()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Fatalf("exit code %d, want %d (stderr %q)", code, tc.code, stderr.String())
			}
			if tc.code == 0 {
				if stderr.Len() != 0 {
					t.Fatalf("a success wrote to stderr: %q", stderr.String())
				}
				return
			}
			msg := stderr.String()
			if !strings.HasPrefix(msg, "logistified: ") || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tc.mention) {
				t.Fatalf("stderr is not one line mentioning %q: %q", tc.mention, msg)
			}
			if strings.Contains(msg, "goroutine") || strings.Contains(msg, password) || stdout.Len() != 0 {
				t.Fatalf("stderr %q, stdout %q", msg, stdout.String())
			}
		})
	}
}
