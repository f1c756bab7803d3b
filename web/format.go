package web

import (
	"math"
	"strconv"
	"strings"
	"time"

	"lectern/locale"
)

// Sizes, durations and dates are written the reader's way: the catalog
// gives the units, the decimal and thousands separators and the order of a
// date's parts.

// humanSize writes n bytes in decimal units, one decimal from a kilobyte
// on: "1.2 GB", "1,2 Go".
func humanSize(p *locale.Printer, n int64) string {
	if n < 1000 {
		return p.T("format.size.b", strconv.FormatInt(n, 10))
	}
	units := []string{"format.size.kb", "format.size.mb", "format.size.gb", "format.size.tb", "format.size.pb"}
	v := float64(n) / 1000
	i := 0
	for ; v >= 999.95 && i < len(units)-1; i++ {
		v /= 1000
	}
	return p.T(units[i], decimal(p, v, 1))
}

// exactSize writes n bytes in full with thousands separators: "1,234,567
// bytes", "1 234 567 octets".
func exactSize(p *locale.Printer, n int64) string {
	return p.Plural("format.bytes", int(min(n, math.MaxInt32)), grouped(p, n))
}

// grouped writes n with the reader's thousands separator.
func grouped(p *locale.Printer, n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(p.T("format.thousands"))
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// decimal writes v with prec decimals and the reader's decimal separator.
func decimal(p *locale.Printer, v float64, prec int) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', prec, 64), ".", p.T("format.decimal"), 1)
}

// humanDuration writes a detection latency: "0.3 s" under ten seconds,
// "12 s", "2 min 4 s", "1 h 5 min", "2 d 3 h".
func humanDuration(p *locale.Printer, d time.Duration) string {
	switch {
	case d < 50*time.Millisecond:
		return p.T("format.duration.under", decimal(p, 0.1, 1))
	case d < 9950*time.Millisecond:
		return p.T("format.duration.seconds", decimal(p, d.Seconds(), 1))
	}
	sec := int64(d.Round(time.Second) / time.Second)
	switch {
	case sec < 60:
		return p.T("format.duration.seconds", strconv.FormatInt(sec, 10))
	case sec < 3600 && sec%60 == 0:
		return p.T("format.duration.minutes", sec/60)
	case sec < 3600:
		return p.T("format.duration.minutes_seconds", sec/60, sec%60)
	case sec < 86400:
		return p.T("format.duration.hours_minutes", sec/3600, sec%3600/60)
	}
	return p.T("format.duration.days_hours", sec/86400, sec%86400/3600)
}

// when is a moment for the time partials: machine and human forms.
type when struct {
	ISO   string // RFC 3339, UTC; "" for no time
	Text  string // in full, to the second
	Short string // for tables: no year when it is this year's, no seconds
}

// moment writes t in UTC the reader's way: "Nov 25, 2026, 14:05:09 UTC",
// "25 nov. 2026, 14:05:09 UTC"; in short "Nov 25, 14:05" this year, else
// "Nov 25, 2025". The zero time gives the zero when.
func moment(p *locale.Printer, t time.Time) when {
	if t.IsZero() {
		return when{}
	}
	t = t.UTC()
	month := p.T(monthKeys[t.Month()-1])
	w := when{
		ISO:   t.Format(time.RFC3339),
		Text:  p.T("format.datetime", t.Day(), month, t.Year(), t.Format("15:04:05")),
		Short: p.T("format.date_short", t.Day(), month, t.Format("15:04")),
	}
	if t.Year() != time.Now().UTC().Year() {
		w.Short = p.T("format.date_year", t.Day(), month, t.Year())
	}
	return w
}

// label translates value as the catalog's key prefix+value; a value the
// catalog does not know (a state from a newer version, a custom kind) is
// shown as it is.
func label(p *locale.Printer, prefix, value string) string {
	if locale.Has(locale.Default, prefix+value) {
		return p.T(prefix + value)
	}
	return value
}

// day writes a date ("2006-01-02", as Video.DateEvt) the reader's way:
// "Mar 12, 2026", "12 mars 2026"; "" for anything else.
func day(p *locale.Printer, date string) string {
	t, err := time.Parse("2006-01-02", date)
	if err != nil {
		return ""
	}
	return p.T("format.date_year", t.Day(), p.T(monthKeys[t.Month()-1]), t.Year())
}

// monthKeys name the months' short forms in the catalog.
var monthKeys = []string{"format.month.1", "format.month.2", "format.month.3", "format.month.4", "format.month.5",
	"format.month.6", "format.month.7", "format.month.8", "format.month.9", "format.month.10", "format.month.11",
	"format.month.12"}
