package storagetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

// helperEnv makes TestHelperSkipsPostgres skip, as a package whose
// PostgreSQL tests cannot run would.
const helperEnv = "STORAGETEST_HELPER_SKIPS"

func TestHelperSkipsPostgres(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		t.Skip("run by TestReportSaysOnceThatPostgresWasSkipped")
	}
	for _, name := range []string{"a", "b", "c"} {
		t.Run(name, func(t *testing.T) { PostgresURL(t) })
	}
}

// childEnv is the environment without a PostgreSQL URL, CI or go flags.
func childEnv(extra ...string) []string {
	var env []string
	for _, e := range os.Environ() {
		name, _, _ := strings.Cut(e, "=")
		switch name {
		case EnvPostgresURL, "CI", "GOFLAGS":
			continue
		}
		env = append(env, e)
	}
	return append(env, extra...)
}

// Without the URL, a test binary says once, after its tests, that the
// PostgreSQL half was skipped and how to run it; with it, nothing.
func TestReportSaysOnceThatPostgresWasSkipped(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		want int
	}{
		{"unset", nil, 1},
		{"set", []string{EnvPostgresURL + "=postgres://127.0.0.1:1/none"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run", "^TestHelperSkipsPostgres$")
			cmd.Env = childEnv(append(tc.env, helperEnv+"=1")...)
			out, _ := cmd.CombinedOutput()
			if got := strings.Count(string(out), "PostgreSQL tests skipped"); got != tc.want {
				t.Fatalf("the notice appears %d times, want %d:\n%s", got, tc.want, out)
			}
			if tc.want == 1 && !strings.Contains(string(out), "(3 tests ran on SQLite only): set "+EnvPostgresURL+"=postgres://") {
				t.Errorf("the notice does not say how many or how to run them:\n%s", out)
			}
		})
	}
}

// `go test ./...` shows a passing package's output only with -v: the notice
// reaches the person running it all the same.
func TestGoTestShowsTheNotice(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "test", "-count=1", "-run", "^TestLostConnectionsAreRetried$", "./storage/postgres/")
	cmd.Dir = root
	cmd.Env = childEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test: %v\n%s", err, out)
	}
	want := "./storage/postgres: PostgreSQL tests skipped (1 test ran on SQLite only)"
	if strings.Count(string(out), want) != 1 {
		t.Errorf("go test ./storage/postgres/ without %s printed, not once, %q:\n%s", EnvPostgresURL, want, out)
	}
}
