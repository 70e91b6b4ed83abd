package main

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// forbiddenInBinary are modules (by path prefix) that must not link into
// the production binary: an RPC and tracing stack it never uses, test
// libraries, and the OAuth library they came with. Test files may use
// what they like; `go list -deps` without -test sees only what ships.
var forbiddenInBinary = []string{
	"google.golang.org/grpc",
	"github.com/grpc-ecosystem/",
	"go.opentelemetry.io/",
	"github.com/stretchr/testify",
	"github.com/sirupsen/logrus",
	"github.com/gogo/protobuf",
	"github.com/golang/mock",
	"github.com/ory/",
}

// TestBinaryDependencies fails if any forbidden module, or the standard
// library's testing package, comes back into the binary's dependency
// graph (through a new dependency's own dependencies, most likely).
func TestBinaryDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{with .Module}}{{.Path}}{{end}}", ".").Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list -deps: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 50 {
		t.Fatalf("go list -deps listed %d packages: the check would see nothing", len(lines))
	}
	found := map[string][]string{}
	for _, line := range lines {
		pkg, module, _ := strings.Cut(line, " ")
		if pkg == "testing" || strings.HasPrefix(pkg, "testing/") {
			found["the standard library's "+pkg] = append(found["the standard library's "+pkg], pkg)
		}
		for _, f := range forbiddenInBinary {
			if module != "" && (module == strings.TrimSuffix(f, "/") || strings.HasPrefix(module, f)) {
				found[module] = append(found[module], pkg)
			}
		}
	}
	names := make([]string, 0, len(found))
	for m := range found {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		t.Errorf("%s links into the production binary (package %s and %d more): find what brings it with `go mod why` and keep it out",
			m, found[m][0], len(found[m])-1)
	}
}
