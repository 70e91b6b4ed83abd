package storagetest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// skipped counts the PostgreSQL subtests PostgresURL skipped in this test
// binary (one package).
var skipped atomic.Int64

// Main is a TestMain for a package with PostgreSQL tests: it runs the tests
// and exits, having said once when the PostgreSQL half was skipped.
func Main(m *testing.M) { os.Exit(Report(m.Run())) }

// Report is for a TestMain that runs the tests itself: given m.Run's exit
// code, it prints one line when PostgresURL skipped any test (so
// LOGISTIFIED_TEST_POSTGRES_URL is unset), and returns code unchanged.
//
// The line goes to stderr. `go test ./...` keeps a passing package's output
// only with -v, so when it would drop the line (the run passed, not
// verbose), the line also goes to the go command's own stderr where the
// system lets a process reach it (Linux: /proc/PPID/fd/2): a skipped half
// is then said on every run, and opening that file also keeps the go
// command from caching the package's result, which would hide it again.
func Report(code int) int {
	n := skipped.Load()
	if n == 0 {
		return code
	}
	line := SkipNotice(packageDir(), n)
	fmt.Fprintln(os.Stderr, line)
	if code == 0 && !testing.Verbose() {
		toGoCommand(line)
	}
	return code
}

// SkipNotice is the line Report prints: it carries "PostgreSQL tests
// skipped", the phrase .ci/run looks for, and how to run them.
func SkipNotice(pkg string, n int64) string {
	tests := "tests"
	if n == 1 {
		tests = "test"
	}
	return fmt.Sprintf("%s: PostgreSQL tests skipped (%d %s ran on SQLite only): set %s=postgres://postgres@127.0.0.1:5432/test to run them",
		pkg, n, tests, EnvPostgresURL)
}

// toGoCommand writes line to the parent process's stderr unless that is
// where this process's stderr already goes (a test binary run from a
// shell, or `go test` streaming a single directory's output).
func toGoCommand(line string) {
	// Only the go command's stderr: a test binary run by another program
	// (a test of this notice, say) leaves that program's output alone.
	parent := "/proc/" + strconv.Itoa(os.Getppid())
	if comm, err := os.ReadFile(parent + "/comm"); err != nil || strings.TrimSpace(string(comm)) != "go" {
		return
	}
	path := parent + "/fd/2"
	theirs, err := os.Stat(path)
	if err != nil {
		return
	}
	if ours, err := os.Stderr.Stat(); err == nil && os.SameFile(ours, theirs) {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = io.WriteString(f, line+"\n")
}

// packageDir names the package under test as ./dir from the module root
// (go test runs a test binary in its package's directory).
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "storagetest"
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		if filepath.Dir(dir) == dir {
			return filepath.Base(wd)
		}
	}
}
