package locale

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Sizes, durations and times are written the reader's way: the catalog
// gives the units, the decimal and thousands separators and the order of
// a date's parts; the printer's location (In) the time zone.

// In returns a printer in the same language that writes times in loc
// (TIME_ZONE); nil means UTC.
func (p *Printer) In(loc *time.Location) *Printer {
	return &Printer{lang: p.Lang(), loc: loc}
}

// Location is the time zone the printer writes times in: UTC unless In
// said otherwise.
func (p *Printer) Location() *time.Location {
	if p == nil || p.loc == nil {
		return time.UTC
	}
	return p.loc
}

// DateTime writes t in the printer's time zone, to the minute: "6 Dec
// 2026, 09:45", "6 déc. 2026, 09:45". No zone is named: pages name it
// once (Zone).
func (p *Printer) DateTime(t time.Time) string {
	t = t.In(p.Location())
	return p.T("format.datetime", t.Day(), p.Month(t.Month()), t.Year(), t.Format("15:04"))
}

// DateTimeSeconds is DateTime to the second: "6 Dec 2026, 09:45:12".
func (p *Printer) DateTimeSeconds(t time.Time) string {
	t = t.In(p.Location())
	return p.T("format.datetime", t.Day(), p.Month(t.Month()), t.Year(), t.Format("15:04:05"))
}

// Date writes t's day in the printer's time zone: "6 Dec 2026", "6 déc.
// 2026".
func (p *Printer) Date(t time.Time) string {
	t = t.In(p.Location())
	return p.T("format.date_year", t.Day(), p.Month(t.Month()), t.Year())
}

// Month is the short name of month m: "Dec", "déc.".
func (p *Printer) Month(m time.Month) string {
	if m < time.January || m > time.December {
		return ""
	}
	return p.T(monthKeys[m-1])
}

// monthKeys name the months' short forms in the catalog.
var monthKeys = []string{"format.month.1", "format.month.2", "format.month.3", "format.month.4", "format.month.5",
	"format.month.6", "format.month.7", "format.month.8", "format.month.9", "format.month.10", "format.month.11",
	"format.month.12"}

// Zone names the printer's time zone with its offset at t: "UTC",
// "Europe/Paris, UTC+01:00" (UTC+02:00 in summer).
func (p *Printer) Zone(t time.Time) string {
	loc := p.Location()
	if loc == time.UTC || loc.String() == "UTC" {
		return "UTC"
	}
	return loc.String() + ", UTC" + t.In(loc).Format("-07:00")
}

// Size writes n bytes in decimal units, one decimal from a kilobyte on:
// "1.2 GB", "1,2 Go".
func (p *Printer) Size(n int64) string {
	if n < 1000 {
		return p.T("format.size.b", strconv.FormatInt(n, 10))
	}
	units := []string{"format.size.kb", "format.size.mb", "format.size.gb", "format.size.tb", "format.size.pb"}
	v := float64(n) / 1000
	i := 0
	for ; v >= 999.95 && i < len(units)-1; i++ {
		v /= 1000
	}
	return p.T(units[i], p.Decimal(v, 1))
}

// ExactSize writes n bytes in full with thousands separators: "1,234,567
// bytes", "1 234 567 octets".
func (p *Printer) ExactSize(n int64) string {
	return p.Plural("format.bytes", int(min(n, math.MaxInt32)), p.Grouped(n))
}

// Grouped writes n with the reader's thousands separator.
func (p *Printer) Grouped(n int64) string {
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

// Decimal writes v with prec decimals and the reader's decimal separator.
func (p *Printer) Decimal(v float64, prec int) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', prec, 64), ".", p.T("format.decimal"), 1)
}

// Duration writes a length of time: "0.3 s" under ten seconds, "12 s",
// "2 min 4 s", "1 h 5 min", "2 d 3 h".
func (p *Printer) Duration(d time.Duration) string {
	switch {
	case d < 50*time.Millisecond:
		return p.T("format.duration.under", p.Decimal(0.1, 1))
	case d < 9950*time.Millisecond:
		return p.T("format.duration.seconds", p.Decimal(d.Seconds(), 1))
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
