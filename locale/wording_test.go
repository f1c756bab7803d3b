package locale

import (
	"regexp"
	"testing"
)

// TestWording holds the words issue 14 settled: in English a deposit is a
// "recording", never a "record"; in French the recorder's manager is its
// "gestionnaire" (not "responsable"), its salt "Sel" (not "Grain de
// sel") and passwords are stored "haché(s)", not "chiffré(s)".
func TestWording(t *testing.T) {
	t.Parallel()
	banned := map[string]*regexp.Regexp{
		"en": regexp.MustCompile(`(?i)\brecords?\b`),
		"fr": regexp.MustCompile(`(?i)\bresponsables?\b|grain de sel|\bchiffrée?s?\b`),
	}
	for lang, re := range banned {
		p := NewPrinter(lang)
		for _, k := range Keys(lang) {
			texts := []string{p.T(k)}
			if _, ok := catalogs[lang].plurals[k]; ok {
				texts = []string{p.Plural(k, 1), p.Plural(k, 2)}
			}
			for _, s := range texts {
				if w := re.FindString(s); w != "" {
					t.Errorf("%s %s says %q: %q", lang, k, w, s)
				}
			}
		}
		for _, e := range ErrorSentences(lang) {
			if w := re.FindString(p.Error(e)); w != "" {
				t.Errorf("%s error %q says %q", lang, e, w)
			}
		}
	}
}
