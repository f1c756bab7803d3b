package lectern

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultTitle is the title of a recording published without one (the
// add form's proposal, an automatic publication): the course title the
// recorder sent, else the recorder's name and the deposit's date and time
// in loc (TIME_ZONE), written for lang (LANGUAGE_CODE): "Amphi A – 6 Dec
// 2026, 09:45", "Amphi A – 6 déc. 2026, 09:45". Never a file's name: Pod
// used it, and people kept "20261206-0945.mp4" as their video's title.
// Without a recorder name the date alone is the title. The result fits
// a recording's 200 characters (a long name is cut).
func DefaultTitle(courseTitle, recorderName string, at time.Time, loc *time.Location, lang string) string {
	if t := strings.TrimSpace(courseTitle); t != "" {
		return t
	}
	name := strings.Join(strings.Fields(recorderName), " ")
	if at.IsZero() {
		return cut(name, 200)
	}
	when := DateTime(at, loc, lang)
	if name == "" {
		return when
	}
	return cut(name, 200-len(" – "+when)) + " – " + when
}

// IsDefaultTitle tells whether title is one DefaultTitle makes without a
// course title for a deposit of the recorder named recorderName (its
// name, then " – " and a date), or the deposited file's name sourceFile
// (the default before DefaultTitle): a title nobody typed, which what
// the deposit itself says (an audiovideocast archive's title) may
// replace.
func IsDefaultTitle(title, recorderName, sourceFile string) bool {
	if sourceFile != "" && title == baseName(sourceFile) {
		return true
	}
	name := strings.Join(strings.Fields(recorderName), " ")
	i := strings.LastIndex(title, " – ")
	if name == "" || i <= 0 {
		return false
	}
	// The name, whole, or cut to leave room for the date in 200 bytes.
	head := title[:i]
	return head == name || (len(title) > 180 && strings.HasPrefix(name, head))
}

// baseName is the last element of a slash-separated path.
func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// cut shortens s to at most n bytes, on a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimSpace(s[:n])
}

// monthNames are the months' short names per language, as package
// locale's catalogs write them (format.month.*; a test keeps both the
// same): the core names what it writes itself, such as default titles.
var monthNames = map[string][12]string{
	"en": {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	"fr": {"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
}

// DateTime writes t in loc (nil: UTC) to the minute, for lang ("fr";
// anything else is English): "6 Dec 2026, 09:45", "6 déc. 2026, 09:45",
// as the pages and mails write it.
func DateTime(t time.Time, loc *time.Location, lang string) string {
	if loc == nil {
		loc = time.UTC
	}
	names, ok := monthNames[lang]
	if !ok {
		names = monthNames["en"]
	}
	t = t.In(loc)
	return strconv.Itoa(t.Day()) + " " + names[t.Month()-1] + " " + strconv.Itoa(t.Year()) + ", " + t.Format("15:04")
}
