package locale

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lectern"
)

func TestCatalogsHaveTheSameKeys(t *testing.T) {
	t.Parallel()
	en, fr := Keys("en"), Keys("fr")
	for _, k := range en {
		if !slices.Contains(fr, k) {
			t.Errorf("fr.json lacks %q", k)
		}
	}
	for _, k := range fr {
		if !slices.Contains(en, k) {
			t.Errorf("en.json lacks %q", k)
		}
	}
	if !slices.Equal(ErrorSentences("en"), ErrorSentences("fr")) {
		t.Error("the errors sections of en.json and fr.json differ")
	}
	// Same verbs in both languages, so that arguments land.
	verbs := regexp.MustCompile(`%[a-z]`)
	en1, fr1 := NewPrinter("en"), NewPrinter("fr")
	for _, k := range en {
		if a, b := verbs.FindAllString(en1.T(k), -1), verbs.FindAllString(fr1.T(k), -1); !slices.Equal(a, b) {
			t.Errorf("%s: verbs %v in English, %v in French", k, a, b)
		}
	}
}

func TestTranslateAndFallBack(t *testing.T) {
	t.Parallel()
	fr := NewPrinter("fr")
	if got := fr.T("login.submit"); got != "Se connecter" {
		t.Errorf("T = %q", got)
	}
	if got := fr.T("admin.recorder.added", "Amphi"); got != "L’enregistreur « Amphi » a été ajouté avec succès." {
		t.Errorf("T with args = %q", got)
	}
	if got := fr.T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q, want the key", got)
	}
	if got := NewPrinter("de").T("login.submit"); got != "Log in" {
		t.Errorf("unknown language = %q, want English", got)
	}
	if got := (*Printer)(nil).T("login.submit"); got != "Log in" {
		t.Errorf("nil printer = %q, want English", got)
	}
	if got := fr.Error("This field is required."); got != "Ce champ est obligatoire." {
		t.Errorf("Error = %q", got)
	}
	if got := fr.Error("Something new."); got != "Something new." {
		t.Errorf("unknown sentence = %q, want it unchanged", got)
	}
}

func TestPlural(t *testing.T) {
	t.Parallel()
	en, fr := NewPrinter("en"), NewPrinter("fr")
	for _, tc := range []struct {
		p    *Printer
		n    int
		want string
	}{
		{en, 0, "0 recorders"}, {en, 1, "1 recorder"}, {en, 2, "2 recorders"},
		{fr, 0, "0 enregistreur"}, {fr, 1, "1 enregistreur"}, {fr, 2, "2 enregistreurs"},
	} {
		if got := tc.p.Plural("recorder.list.count", tc.n); got != tc.want {
			t.Errorf("%s Plural(%d) = %q, want %q", tc.p.Lang(), tc.n, got, tc.want)
		}
	}
	if got := en.Plural("no.such.key", 3); got != "no.such.key" {
		t.Errorf("missing plural = %q", got)
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	for header, want := range map[string]string{
		"":                            "",
		"fr":                          "fr",
		"fr-CA,fr;q=0.9":              "fr",
		"en-US,en;q=0.9,fr;q=0.8":     "en",
		"de-DE,de;q=0.9,fr;q=0.7":     "fr",
		"de;q=1, fr;q=0.4, en;q=0.6":  "en",
		"es":                          "",
		"FR-fr":                       "fr",
		"fr;q=0, en;q=0.1":            "en",
		"*":                           "",
		"en;q=bogus, fr;q=0.2":        "fr",
		" fr ; q=0.5 , en ; q=0.4 ":   "fr",
		"fr;q=0.5;level=1, en;q=0.45": "fr",
	} {
		if got := Match(header); got != want {
			t.Errorf("Match(%q) = %q, want %q", header, got, want)
		}
	}
}

// coreMessage finds the English sentences the core and the store put in
// lectern.Error messages and fields.
var coreMessage = regexp.MustCompile(`(?:\.Add\([^,]+,\s*|Message:\s*|Errorf\((?:lectern\.)?E[A-Z]+,\s*|fieldError\([^"]*"[a-z_]+",\s*|map\[string\]string\{"[a-z_]+":\s*)("(?:[^"\\]|\\.)*")`)

var sentence = regexp.MustCompile(`^[A-Z].*\.$`)

// TestCoreMessagesTranslated keeps the errors section in step with every
// message of the core (../*.go), the store (../sqldb/*.go) and the jobs
// admins act on (../jobs/*.go): a new sentence there must be translated
// here.
func TestCoreMessagesTranslated(t *testing.T) {
	t.Parallel()
	var files []string
	for _, pattern := range []string{"../*.go", "../sqldb/*.go", "../jobs/*.go"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	found := 0
	fr := NewPrinter("fr")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range coreMessage.FindAllStringSubmatch(string(b), -1) {
			msg, err := strconv.Unquote(m[1])
			if err != nil || !sentence.MatchString(msg) || strings.Contains(msg, "%") {
				continue // not a sentence, or formatted: cannot be looked up whole
			}
			found++
			if fr.Error(msg) == msg {
				t.Errorf("%s: %q has no French translation in fr.json's errors", f, msg)
			}
		}
	}
	if found < 30 {
		t.Errorf("found only %d core messages: the scan is broken", found)
	}
	if fr.Error("Internal error.") == "Internal error." {
		t.Error(`"Internal error." is not translated`)
	}
}

// TestMonthsMatchTheCore: the core writes default titles with its own
// month names (it imports no catalog); they must be the catalogs'.
func TestMonthsMatchTheCore(t *testing.T) {
	t.Parallel()
	for _, lang := range Languages {
		p := NewPrinter(lang)
		for m := time.January; m <= time.December; m++ {
			at := time.Date(2026, m, 6, 9, 45, 0, 0, time.UTC)
			if got, want := lectern.DateTime(at, time.UTC, lang), p.DateTime(at); got != want {
				t.Errorf("%s: core writes %q, catalog %q", lang, got, want)
			}
		}
	}
}
