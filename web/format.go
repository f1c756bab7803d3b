package web

import (
	"time"

	"lectern/locale"
)

// Sizes, durations and dates are written the reader's way by the printer
// (package locale): the catalog gives the units, the separators and the
// order of a date's parts, the printer's location (TIME_ZONE) the zone.

// humanSize writes n bytes in decimal units: "1.2 GB", "1,2 Go".
func humanSize(p *locale.Printer, n int64) string { return p.Size(n) }

// exactSize writes n bytes in full: "1,234,567 bytes", "1 234 567 octets".
func exactSize(p *locale.Printer, n int64) string { return p.ExactSize(n) }

// humanDuration writes a detection latency: "0.3 s", "2 min 4 s".
func humanDuration(p *locale.Printer, d time.Duration) string { return p.Duration(d) }

// when is a moment for the time partials: machine and human forms.
type when struct {
	ISO   string // RFC 3339 in TIME_ZONE, with its offset; "" for no time
	Text  string // in full, to the second
	Short string // for tables: no year when it is this year's, no seconds
	Zone  string // the time zone and its offset then, for a title
}

// moment writes t in the printer's time zone (TIME_ZONE) the reader's
// way, with no zone label: "25 Nov 2026, 14:05:09", "25 nov. 2026,
// 14:05:09"; in short "25 Nov, 14:05" this year, else "25 Nov 2025". The
// zone is named in Zone, for a title attribute (and once in the footer).
// The zero time gives the zero when.
func moment(p *locale.Printer, t time.Time) when {
	if t.IsZero() {
		return when{}
	}
	loc := p.Location()
	t = t.In(loc)
	w := when{
		ISO:   t.Format(time.RFC3339),
		Text:  p.DateTimeSeconds(t),
		Short: p.T("format.date_short", t.Day(), p.Month(t.Month()), t.Format("15:04")),
		Zone:  p.Zone(t),
	}
	if t.Year() != time.Now().In(loc).Year() {
		w.Short = p.Date(t)
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
// "12 Mar 2026", "12 mars 2026"; "" for anything else. A day has no time
// zone.
func day(p *locale.Printer, date string) string {
	t, err := time.Parse("2006-01-02", date)
	if err != nil {
		return ""
	}
	return p.T("format.date_year", t.Day(), p.Month(t.Month()), t.Year())
}
