// Package locale holds Lectern's translations: one embedded JSON catalog per
// language (en.json, fr.json), shared by the web pages and the emails.
//
// A catalog maps stable keys ("recorder.list.title") to a message, or to a
// list of plural forms. Its "errors" section maps the core's English
// validation sentences (lectern.Error messages, such as "This field is
// required.") to their translation, so that messages coming out of the
// services can be shown in the reader's language.
//
// Lookups never fail: a key missing from a language falls back to English,
// then to the key itself.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Default is the language every lookup falls back to.
const Default = "en"

// Languages are the codes of the embedded catalogs, in the order a language
// switch shows them.
var Languages = []string{"en", "fr"}

//go:embed *.json
var catalogFS embed.FS

// catalog is one language's messages.
type catalog struct {
	messages map[string]string   // key -> message
	plurals  map[string][]string // key -> plural forms
	errors   map[string]string   // English sentence -> translation
}

var catalogs = mustLoad()

func mustLoad() map[string]*catalog {
	m := map[string]*catalog{}
	for _, lang := range Languages {
		c, err := load(lang)
		if err != nil {
			panic(err)
		}
		m[lang] = c
	}
	return m
}

func load(lang string) (*catalog, error) {
	b, err := catalogFS.ReadFile(lang + ".json")
	if err != nil {
		return nil, fmt.Errorf("locale %s: %w", lang, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("locale %s.json: %w", lang, err)
	}
	c := &catalog{messages: map[string]string{}, plurals: map[string][]string{}, errors: map[string]string{}}
	for k, v := range raw {
		if k == "errors" {
			if err := json.Unmarshal(v, &c.errors); err != nil {
				return nil, fmt.Errorf("locale %s.json: errors: %w", lang, err)
			}
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			c.messages[k] = s
			continue
		}
		var forms []string
		if err := json.Unmarshal(v, &forms); err != nil || len(forms) != 2 {
			return nil, fmt.Errorf("locale %s.json: %s: want a string or two plural forms", lang, k)
		}
		c.plurals[k] = forms
	}
	return c, nil
}

// Supported reports whether lang has a catalog.
func Supported(lang string) bool {
	_, ok := catalogs[lang]
	return ok
}

// Keys returns every message and plural key of lang's catalog, sorted
// (the "errors" section excluded).
func Keys(lang string) []string {
	c := catalogs[lang]
	if c == nil {
		return nil
	}
	keys := make([]string, 0, len(c.messages)+len(c.plurals))
	for k := range c.messages {
		keys = append(keys, k)
	}
	for k := range c.plurals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether lang's catalog itself defines key, as a message or
// a plural, without falling back.
func Has(lang, key string) bool {
	c := catalogs[lang]
	if c == nil {
		return false
	}
	_, ok := c.messages[key]
	_, okp := c.plurals[key]
	return ok || okp
}

// ErrorSentences returns the English sentences lang's "errors" section
// translates, sorted.
func ErrorSentences(lang string) []string {
	c := catalogs[lang]
	if c == nil {
		return nil
	}
	keys := make([]string, 0, len(c.errors))
	for k := range c.errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Printer translates into one language and writes times in one time
// zone (In). The zero value prints English, in UTC.
type Printer struct {
	lang string
	loc  *time.Location // nil: UTC
}

// NewPrinter returns a printer for lang; an unknown language prints
// English.
func NewPrinter(lang string) *Printer {
	if !Supported(lang) {
		lang = Default
	}
	return &Printer{lang: lang}
}

// Lang is the printer's language code, e.g. "fr".
func (p *Printer) Lang() string {
	if p == nil || p.lang == "" {
		return Default
	}
	return p.lang
}

// T returns the message for key, formatted with args (fmt verbs) when any
// are given.
func (p *Printer) T(key string, args ...any) string {
	msg, ok := catalogs[p.Lang()].messages[key]
	if !ok {
		if msg, ok = catalogs[Default].messages[key]; !ok {
			msg = key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Plural returns the form of key for the count n, formatted with args (or
// with n alone when no args are given). English uses the singular for 1
// only, French for 0 and 1.
func (p *Printer) Plural(key string, n int, args ...any) string {
	lang := p.Lang()
	forms, ok := catalogs[lang].plurals[key]
	if !ok {
		lang = Default
		if forms, ok = catalogs[Default].plurals[key]; !ok {
			return key
		}
	}
	msg := forms[1]
	if pluralIndex(lang, n) == 0 {
		msg = forms[0]
	}
	if len(args) == 0 {
		args = []any{n}
	}
	if !strings.Contains(msg, "%") {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

func pluralIndex(lang string, n int) int {
	switch lang {
	case "fr":
		if n == 0 || n == 1 {
			return 0
		}
	default:
		if n == 1 {
			return 0
		}
	}
	return 1
}

// Error translates an English sentence from the core (a lectern.Error
// message or field message). A sentence the catalog does not know is
// returned unchanged.
func (p *Printer) Error(sentence string) string {
	if msg, ok := catalogs[p.Lang()].errors[sentence]; ok && msg != "" {
		return msg
	}
	return sentence
}

// Match picks the best supported language from an Accept-Language header
// value, or "" when it names none. Quality values are honoured; regional
// variants ("fr-CA") count as their language.
func Match(acceptLanguage string) string {
	best, bestQ := "", 0.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		base, _, _ := strings.Cut(tag, "-")
		if !Supported(base) {
			continue
		}
		q := 1.0
		if p := strings.TrimSpace(params); strings.HasPrefix(p, "q=") {
			if _, err := fmt.Sscanf(p, "q=%g", &q); err != nil {
				q = 0
			}
		}
		if q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}
