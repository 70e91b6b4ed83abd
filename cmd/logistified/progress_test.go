package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logistified/mcp-server/storage/storagetest"
)

// fakeTerminal is stderr as a terminal, recording what it is sent.
type fakeTerminal struct{ bytes.Buffer }

func (*fakeTerminal) IsTerminal() bool { return true }

// runWithStderr runs the command line with stderr given.
func runWithStderr(t *testing.T, stderr io.Writer, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root := newRootCmd(&out, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

const clearLine = "\r\033[K"

// checkProgress checks stderr holds a progress line saying want, rewritten
// in place and cleared at the end, or (want "") nothing at all.
func checkProgress(t *testing.T, what, stderr, want string) {
	t.Helper()
	if want == "" {
		if stderr != "" {
			t.Errorf("%s: stderr got %q, want nothing", what, stderr)
		}
		return
	}
	if !strings.Contains(stderr, clearLine+want) || !strings.HasSuffix(stderr, clearLine) || strings.Contains(stderr, "\n") {
		t.Errorf("%s: stderr got %q, want a progress line with %q, cleared at the end", what, stderr, want)
	}
}

func TestDemoShowsProgressOnATerminalOnly(t *testing.T) {
	t.Setenv("LOGISTIFIED_HOME", t.TempDir())
	for _, tc := range []struct {
		name     string
		terminal bool
		args     []string
		want     string
	}{
		{"terminal", true, nil, "loading variants: 300 of 300 (100%)"},
		{"terminal with --json", true, []string{"--json"}, ""},
		{"not a terminal", false, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := storagetest.URL(t, "sqlite")
			var stderr interface {
				Write([]byte) (int, error)
				String() string
			} = &bytes.Buffer{}
			if tc.terminal {
				stderr = &fakeTerminal{}
			}
			out, err := runWithStderr(t, stderr, append([]string{"--database-url", url, "demo", "--variants", "300"}, tc.args...)...)
			if err != nil || !strings.Contains(out, "lstk_") {
				t.Fatalf("demo: %v\n%s", err, out)
			}
			checkProgress(t, tc.name, stderr.String(), tc.want)
			if tc.want != "" {
				for _, phase := range []string{"loading products", "loading the sales history, variants", "creating documents…"} {
					if !strings.Contains(stderr.String(), clearLine+phase) {
						t.Errorf("no %q phase in %q", phase, stderr.String())
					}
				}
			}
		})
	}
}

func TestLargeImportShowsProgressOnATerminalOnly(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "products.csv")
	var b strings.Builder
	b.WriteString("Handle,Title,Variant SKU,Variant Price\n")
	for i := range 12000 {
		fmt.Fprintf(&b, "p-%d,Product %d,SKU-%05d,9.99\n", i, i, i)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		terminal bool
		args     []string
		want     string
	}{
		{"terminal", true, nil, "importing products.csv, rows read: 5,000 ("},
		{"terminal with --json", true, []string{"--json"}, ""},
		{"not a terminal", false, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := storagetest.URL(t, "sqlite")
			mustRun(t, url, "stores", "create", "--domain", "big.myshopify.com", "--name", "Big")
			var stderr interface {
				Write([]byte) (int, error)
				String() string
			} = &bytes.Buffer{}
			if tc.terminal {
				stderr = &fakeTerminal{}
			}
			args := append([]string{"--database-url", url, "import", "products", "--store", "big.myshopify.com", "--dry-run", file}, tc.args...)
			if _, err := runWithStderr(t, stderr, args...); err != nil {
				t.Fatalf("import: %v (%s)", err, stderr.String())
			}
			checkProgress(t, tc.name, stderr.String(), tc.want)
		})
	}
}
