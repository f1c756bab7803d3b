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
