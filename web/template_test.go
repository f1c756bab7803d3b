package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/locale"
)

func TestTemplatesParse(t *testing.T) {
	t.Parallel()
	e, err := newEngine()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range pageTemplates {
		if e.pages[name] == nil {
			t.Errorf("missing page template %s", name)
		}
	}
	for name := range e.pages {
		if !slices.Contains(pageTemplates, name) {
			t.Errorf("pages/%s.html is not listed in pageTemplates", name)
		}
		if e.pages[name].Lookup("content") == nil {
			t.Errorf("pages/%s.html defines no content", name)
		}
	}
}

// usedKeys returns every catalog key the templates and the Go files of the
// package name, with the keys built from lists of codes.
func usedKeys(t *testing.T) []string {
	keys := map[string]bool{}
	tplKey := regexp.MustCompile(`(?:\{\{-?|\()\s*(?:t|plural)\s+"([^"]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		for _, m := range tplKey.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
		if strings.Contains(string(b), `{{t .`) || strings.Contains(string(b), `{{t $`) {
			t.Errorf("%s translates a computed key: keep keys literal so this test sees them", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	goKey := regexp.MustCompile(`"((?:admin|common|dashboard|deposit|error|feed|form|format|layout|login|logout|nav|outbox|pagination|record|recorder|recording|recording_file|schedule|treatment|user|type|group|video|picker)\.[a-z0-9_.]+[a-z0-9_])"`)
	files, _ := filepath.Glob("*.go")
	// The printer's formats (format.*) are package locale's.
	formats, _ := filepath.Glob("../locale/*.go")
	for _, f := range append(files, formats...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			// Not keys: a file name, and the prefix error pages build on.
			if m[1] != "layout.html" && m[1] != "error.400" {
				keys[m[1]] = true
			}
		}
	}
	for _, k := range lectern.FeedRuleKinds {
		keys["feed.rule."+ruleKey(k)] = true
	}
	for _, r := range lectern.FeedReasons {
		keys["feed.reason."+r] = true
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		keys[weekdayKey(d)] = true
	}
	for _, c := range lectern.CursusCodes {
		keys["cursus."+c] = true
	}
	for _, c := range lectern.Licences {
		keys["licence."+c] = true
	}
	for _, c := range lectern.RecordingTypes {
		keys["recording_type."+c] = true
	}
	for _, c := range lectern.TreatmentStates {
		keys["treatment.state."+c] = true
	}
	for _, c := range lectern.Sources {
		keys["treatment.source."+c] = true
	}
	for _, c := range languageCodes {
		keys["lang."+c] = true
	}
	for _, c := range locale.Languages {
		keys["language."+c] = true
	}
	for _, c := range lectern.EncodingStates {
		keys["video.state."+c] = true
	}
	for _, c := range lectern.MessageStates {
		keys["outbox.state."+c] = true
	}
	for _, c := range lectern.JobKinds {
		keys["admin.job.kind."+c] = true
	}
	for _, c := range lectern.JobStates {
		keys["admin.job.state."+c] = true
	}
	for _, c := range []string{lectern.MessageNewRecording, lectern.MessageAdminReport} {
		keys["outbox.kind."+c] = true
	}
	for c := range agentStateClass {
		keys["agent.state."+c] = true
	}
	for _, c := range lectern.HealthVerdicts {
		keys["recorder.health.verdict."+c] = true
	}
	for _, c := range lectern.LoginReasons {
		keys["recorder.health.reason."+c] = true
		keys["recorder.health.fix."+c] = true
	}
	for _, c := range lectern.ContactVias {
		keys["recorder.health.via."+c] = true
	}
	for _, status := range []int{400, 403, 404, 409, 413, 500} {
		keys["error."+strconv.Itoa(status)+".title"] = true
		keys["error."+strconv.Itoa(status)+".message"] = true
	}
	var out []string
	for k := range keys {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestLocaleKeysExist(t *testing.T) {
	t.Parallel()
	used := usedKeys(t)
	if len(used) < 100 {
		t.Fatalf("found only %d keys: the scan is broken", len(used))
	}
	for _, k := range used {
		for _, lang := range locale.Languages {
			if !locale.Has(lang, k) {
				t.Errorf("key %q missing from %s.json", k, lang)
			}
		}
	}
	// Keys nobody uses are dead weight. The mail.* keys are package
	// mail's, which checks them itself; the recording.log.* keys are the
	// jobs' (the core's TestRecordingLogKeysTranslated).
	for _, k := range locale.Keys(locale.Default) {
		if !slices.Contains(used, k) && !strings.HasPrefix(k, "mail.") && !strings.HasPrefix(k, "recording.log.") {
			t.Errorf("key %q of en.json is never used", k)
		}
	}
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"/admin/":                 "/admin/",
		"/admin/?q=a&page=2":      "/admin/?q=a&page=2",
		"":                        "/",
		"//evil.example":          "/",
		"///evil.example":         "/",
		"https://evil.example":    "/",
		"/\\evil.example":         "/",
		"\\\\evil.example":        "/",
		"javascript:alert(1)":     "/",
		"admin/":                  "/",
		"/ok\r\nSet-Cookie: x=1":  "/",
		"/%2F%2Fevil.example":     "/%2F%2Fevil.example",
		"/a/../..//evil.example/": "/a/../..//evil.example/",
	} {
		if got := safeNext(next, "/"); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
