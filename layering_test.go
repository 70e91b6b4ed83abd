// The module's layering (DESIGN.md §1), read from `go list -deps` as a
// newcomer would read it: which of our packages each package links.
package layering_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/logistified/mcp-server"

// faces serve the operations over a transport; only the HTTP assembly
// (server, cmd) may import more than one of them.
var faces = []string{"mcp", "rest", "web", "oauth"}

// storageInfra are storage's own machinery below the kernel: the backend
// interface, the two backends and their migrations. Every other package
// under storage/ (but storagetest) is a subject, which the kernel serves.
var storageInfra = []string{"storage/backend", "storage/postgres", "storage/sqlite", "storage/migrate"}

// knownFaceImports are face-to-face imports that exist today, each with
// where it is to go; the test fails when one is gone, so that the entry
// goes with it.
var knownFaceImports = map[[2]string]string{
	{"oauth", "web"}: "the approval page serves the keys page's assets (web.Assets); they belong in a package both faces import",
}

// pkg is what go list says of one of our packages.
type pkg struct {
	ImportPath string
	Imports    []string // direct, ours with the module prefix removed
	Deps       []string // transitive, ours with the module prefix removed
}

// loadPackages lists every package of the module with its imports and
// dependencies among our packages (tests not included: they may reach
// across layers to set up what they check).
func loadPackages(t *testing.T) map[string]pkg {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	ours := func(paths []string) []string {
		var o []string
		for _, p := range paths {
			if rel, ok := strings.CutPrefix(p, module+"/"); ok {
				o = append(o, rel)
			}
		}
		return o
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("reading go list's output: %v", err)
		}
		rel, ok := strings.CutPrefix(p.ImportPath, module+"/")
		if !ok {
			continue // the module root holds only this test
		}
		p.ImportPath, p.Imports, p.Deps = rel, ours(p.Imports), ours(p.Deps)
		pkgs[rel] = p
	}
	for _, want := range append([]string{"storage", "tools", "inventory", "keys", "planning"}, faces...) {
		if _, ok := pkgs[want]; !ok {
			t.Fatalf("go list did not list %s: the layering rules below name packages that no longer exist", want)
		}
	}
	return pkgs
}

// storageSubjects are the packages under storage/ that hold a subject
// (catalogue, planning data, …), as opposed to its infrastructure.
func storageSubjects(pkgs map[string]pkg) []string {
	var out []string
	for path := range pkgs {
		if strings.HasPrefix(path, "storage/") && !slices.Contains(storageInfra, path) &&
			path != "storage/storagetest" {
			out = append(out, path)
		}
	}
	slices.Sort(out)
	return out
}

// No face links another face, except through the HTTP assembly that mounts
// them all.
func TestFacesDoNotImportEachOther(t *testing.T) {
	pkgs := loadPackages(t)
	seen := map[[2]string]bool{}
	for _, face := range faces {
		for _, dep := range pkgs[face].Deps {
			if !slices.Contains(faces, dep) {
				continue
			}
			edge := [2]string{face, dep}
			seen[edge] = true
			if _, known := knownFaceImports[edge]; !known {
				t.Errorf("face %s links face %s: faces share code through tools, storage or a package of their own, never each other", face, dep)
			}
		}
	}
	for edge, why := range knownFaceImports {
		if !seen[edge] {
			t.Errorf("%s no longer links %s: remove it from knownFaceImports (%s)", edge[0], edge[1], why)
		}
	}
}

// The lower layers know nothing of the ones above them: tools knows no
// transport, storage no face and no tool, the rules and the maths no SQL,
// the key format no database.
func TestLowerLayersKnowNothingAbove(t *testing.T) {
	pkgs := loadPackages(t)
	above := append([]string{"server", "cmd/logistified", "auth"}, faces...)
	rules := []struct {
		pkg, why  string
		forbidden []string
	}{
		{"tools", "tools knows no transport", above},
		{"storage", "storage knows no face and no tool", append([]string{"tools"}, above...)},
		{"inventory", "inventory (the rules) knows no SQL", []string{"storage"}},
		{"planning", "planning (the maths) knows no SQL", []string{"storage"}},
		{"keys", "keys (the format) needs no database", []string{"storage"}},
	}
	for _, r := range rules {
		// A package and everything below it: storage's rule covers its
		// subjects too.
		var checked []string
		for path := range pkgs {
			if path == r.pkg || strings.HasPrefix(path, r.pkg+"/") {
				checked = append(checked, path)
			}
		}
		for _, path := range checked {
			for _, dep := range pkgs[path].Deps {
				for _, f := range r.forbidden {
					if dep == f || strings.HasPrefix(dep, f+"/") {
						t.Errorf("%s links %s, but %s", path, dep, r.why)
					}
				}
			}
		}
	}
}

// storage/ is a kernel with subject packages beside it: every subject
// imports the kernel, and the kernel links no subject, so nothing runs
// back up.
func TestStorageKernelImportsNoSubject(t *testing.T) {
	pkgs := loadPackages(t)
	subjects := storageSubjects(pkgs)
	if len(subjects) == 0 {
		t.Fatal("no storage subject packages found: the kernel would hold every subject")
	}
	for _, dep := range pkgs["storage"].Deps {
		if slices.Contains(subjects, dep) {
			t.Errorf("the storage kernel links the subject %s: a subject imports the kernel, never the reverse", dep)
		}
	}
	for _, dep := range pkgs["storage"].Imports {
		if strings.HasPrefix(dep, "storage/") && !slices.Contains(storageInfra, dep) {
			t.Errorf("the storage kernel imports %s: of the packages under storage/ it imports its infrastructure alone (%s)", dep, strings.Join(storageInfra, ", "))
		}
	}
	for _, infra := range storageInfra {
		for _, dep := range pkgs[infra].Deps {
			if dep == "storage" || slices.Contains(subjects, dep) {
				t.Errorf("storage's infrastructure %s links %s: it sits below the kernel", infra, dep)
			}
		}
	}
	for _, s := range subjects {
		if !slices.Contains(pkgs[s].Imports, "storage") {
			t.Errorf("storage subject %s does not import the kernel: a package under storage/ that needs no kernel belongs elsewhere", s)
		}
	}
}

// accessFaces deal in access (stores, members, keys, sessions, OAuth
// clients and grants): of storage's subjects they link access alone.
var accessFaces = []string{"auth", "oauth", "web"}

// domain are the packages of the inventory's domain, which the access
// faces neither import nor link: the catalogue, the documents and the
// planning data under storage, the planning maths and the tools.
var domain = []string{"storage/catalog", "storage/documents", "storage/plan", "planning", "tools"}

// auth, oauth and web deal in access, so of storage's subjects they link
// access alone, never the domain's (catalogue, planning data, documents),
// and they import none of the domain's packages.
func TestAccessFacesLinkNoDomainSubject(t *testing.T) {
	pkgs := loadPackages(t)
	subjects := storageSubjects(pkgs)
	for _, want := range domain {
		if _, ok := pkgs[want]; !ok {
			t.Fatalf("go list did not list %s: the domain named here no longer exists", want)
		}
	}
	for _, p := range accessFaces {
		for _, dep := range pkgs[p].Imports {
			if slices.Contains(domain, dep) || (slices.Contains(subjects, dep) && dep != "storage/access") {
				t.Errorf("%s imports %s: it deals in access only, so it imports storage/access (and the kernel), never the domain", p, dep)
			}
		}
		for _, dep := range pkgs[p].Deps {
			if slices.Contains(subjects, dep) && dep != "storage/access" {
				t.Errorf("%s links the storage subject %s: it needs access only", p, dep)
				continue
			}
			if slices.Contains(domain, dep) {
				t.Errorf("%s links %s, a package of the domain: it needs access only", p, dep)
			}
		}
	}
}

// maxKernelLines bounds the storage kernel's non-test source (issue 24):
// the DB handle, backends, RunWrite, the ledger, audit writes, paging and
// money, and the credential check. A subject that grows in the
// kernel instead of its own package fails here.
const maxKernelLines = 5000

// The storage kernel stays small: its non-test Go source, counted as
// `wc -l` counts it, is at most maxKernelLines.
func TestStorageKernelStaysSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	cmd := exec.Command("go", "list", "-json=Dir,GoFiles", "./storage")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var p struct {
		Dir     string
		GoFiles []string
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("reading go list's output: %v", err)
	}
	if len(p.GoFiles) == 0 {
		t.Fatal("go list found no Go files in storage")
	}
	lines := 0
	for _, f := range p.GoFiles {
		b, err := os.ReadFile(filepath.Join(p.Dir, f))
		if err != nil {
			t.Fatal(err)
		}
		lines += bytes.Count(b, []byte("\n"))
	}
	t.Logf("the storage kernel has %d lines of non-test source in %d files", lines, len(p.GoFiles))
	if lines > maxKernelLines {
		t.Errorf("the storage kernel has %d lines of non-test source, more than %d: move what is about one subject into its package under storage/", lines, maxKernelLines)
	}
}
