package lectern_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
)

// The style guide's import rules (STYLE.md, Layout), checked on the
// module's packages as built (their non-test imports: a test may use the
// real neighbour it needs, as the style guide asks).
//
//   - The core, package lectern, imports the standard library only.
//   - A leaf package imports the standard library, outside libraries and
//     the core, nothing else of the module. Leaves are small helpers that
//     several edges share without being an edge: fenceLeaves says why each
//     is one.
//   - An edge (every other package of the module, whatever its name: the
//     store is sqlite or sqldb, the rule does not care) imports the core,
//     leaves and outside libraries, never another edge: jobs asks for a
//     lectern.MailSender, cmd/lectern hands it the mail package's.
//   - cmd/ wires everything and may import anything; so may bench/ (end to
//     end measurements) and the test helpers, named like net/http/httptest
//     (storetest, browsertest, mail/smtptest, a store's pgtest), which
//     production code never imports.
//   - Nothing imports its parent (but the core, at the root), cmd/ or
//     bench/ (bench/'s own packages share bench/internal).
const fenceModule = "lectern"

// fenceLeaves are the leaf packages, and why each is not an edge.
var fenceLeaves = map[string]string{
	"lectern/locale":    "the translation catalogs, read by the web pages and the emails alike",
	"lectern/httpjson":  "the JSON error and auth helpers of every HTTP edge (api, upload)",
	"lectern/httplimit": "request body limits, for every HTTP edge and cmd/lectern's mux",
	"lectern/password":  "password hashing, for the web login, the API, FTP logins and the CLI",
	"lectern/avc":       "the audiovideocast ZIP reader: the claim list previews it, the jobs extract it",
	"lectern/throttle":  "failed logins counted per address, for the FTP and SFTP servers and the capture agents' logins",
}

// fenceTestHelper tells the packages that only tests and benchmarks
// import: their name ends in "test", as net/http/httptest's does.
func fenceTestHelper(pkg string) bool { return strings.HasSuffix(path.Base(pkg), "test") }

type fenceKind int

const (
	fenceCore fenceKind = iota
	fenceLeaf
	fenceEdge
	fenceFree // cmd/, bench/, test helpers
)

func fenceKindOf(pkg string) fenceKind {
	switch {
	case pkg == fenceModule:
		return fenceCore
	case fenceLeaves[pkg] != "":
		return fenceLeaf
	case strings.HasPrefix(pkg, fenceModule+"/cmd/"), strings.HasPrefix(pkg, fenceModule+"/bench/"),
		fenceTestHelper(pkg):
		return fenceFree
	}
	return fenceEdge
}

func fenceInModule(imp string) bool {
	return imp == fenceModule || strings.HasPrefix(imp, fenceModule+"/")
}

// fenceStandard tells the standard library from outside libraries: their
// first path element has no dot.
func fenceStandard(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".") && !fenceInModule(imp)
}

// fenceCheck returns a line per import that breaks a rule, in the graph
// of package → its imports.
func fenceCheck(graph map[string][]string) []string {
	var bad []string
	for pkg, imports := range graph {
		kind := fenceKindOf(pkg)
		for _, imp := range imports {
			why := ""
			switch {
			case kind == fenceCore && !fenceStandard(imp):
				why = "the core imports the standard library only"
			case imp != fenceModule && strings.HasPrefix(pkg, imp+"/"):
				why = "a package never imports its parent (the core, at the root, is everyone's to import)"
			case !fenceInModule(imp):
				// an outside library or the standard library: fine
			case strings.HasPrefix(imp, fenceModule+"/cmd/"):
				why = "nothing imports cmd/"
			case strings.HasPrefix(imp, fenceModule+"/bench/") && !strings.HasPrefix(pkg, fenceModule+"/bench/"):
				why = "nothing outside bench/ imports bench/"
			case kind == fenceFree:
			case kind == fenceLeaf && imp != fenceModule:
				why = "a leaf imports the core only, of the module"
			case kind == fenceEdge && fenceKindOf(imp) == fenceFree:
				why = "an edge never imports a test helper"
			case kind == fenceEdge && fenceKindOf(imp) == fenceEdge:
				why = "an edge never imports another edge: move the contract to the core, and let cmd/lectern wire them"
			}
			if why != "" {
				bad = append(bad, fmt.Sprintf("%s imports %s: %s", pkg, imp, why))
			}
		}
	}
	slices.Sort(bad)
	return bad
}

func TestFenceRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		graph map[string][]string
		bad   int
	}{
		{"as the style guide wants", map[string][]string{
			"lectern":              {"context", "database/sql"},
			"lectern/jobs":         {"lectern", "lectern/avc", "github.com/riverqueue/river"},
			"lectern/avc":          {"lectern", "archive/zip"},
			"lectern/sqldb":        {"lectern", "modernc.org/sqlite"},
			"lectern/cmd/lectern":  {"lectern", "lectern/jobs", "lectern/sqldb", "lectern/mail"},
			"lectern/bench/ftp":    {"lectern/bench/internal/benchkit", "lectern/sqldb"},
			"lectern/storetest":    {"lectern"},
			"lectern/sqldb/pgtest": {"github.com/jackc/pgx/v5"},
		}, 0},
		{"an edge imports an edge", map[string][]string{"lectern/jobs": {"lectern/mail", "lectern/sqldb"}}, 2},
		{"the core imports a library", map[string][]string{"lectern": {"github.com/riverqueue/river"}}, 1},
		{"the core imports an edge", map[string][]string{"lectern": {"lectern/sqldb"}}, 1},
		{"a leaf imports an edge", map[string][]string{"lectern/avc": {"lectern/ffmpeg"}}, 1},
		{"an edge imports a test helper", map[string][]string{"lectern/web": {"lectern/storetest"}, "lectern/sqldb": {"lectern/sqldb/pgtest"}}, 2},
		{"a package imports its parent", map[string][]string{"lectern/intake/ftp": {"lectern/intake"}}, 1},
		{"an edge imports cmd/", map[string][]string{"lectern/web": {"lectern/cmd/lectern"}}, 1},
		{"an edge imports bench/", map[string][]string{"lectern/web": {"lectern/bench/internal/benchkit"}}, 1},
	} {
		if got := fenceCheck(tc.graph); len(got) != tc.bad {
			t.Errorf("%s: %d broken rules %q, want %d", tc.name, len(got), got, tc.bad)
		}
	}
}

// TestImportFences checks the module's own packages.
func TestImportFences(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	graph := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 0 {
			graph[fields[0]] = fields[1:]
		}
	}
	if graph[fenceModule] == nil && len(graph) < 10 {
		t.Fatalf("go list found %d packages: %q", len(graph), out)
	}
	for leaf := range fenceLeaves {
		if _, ok := graph[leaf]; !ok {
			t.Errorf("leaf %s is not a package of the module any more: update fenceLeaves", leaf)
		}
	}
	for _, line := range fenceCheck(graph) {
		t.Error(line)
	}
}
