package ical

import (
	"fmt"
	"slices"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// Times are expanded as wall clock times (a date and a time of day, held
// in a time.Time in UTC), as RFC 5545 defines recurrences: "every Monday
// at 08:00" stays at 08:00 across a change of daylight saving time. A zone
// turns a wall time of its own into an instant, and back.
type zone interface {
	instant(wall time.Time) time.Time
	wall(t time.Time) time.Time
}

// ianaZone is a time zone of the system's database (Europe/Paris), or UTC.
type ianaZone struct{ loc *time.Location }

func (z ianaZone) instant(w time.Time) time.Time {
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, z.loc).UTC()
}

func (z ianaZone) wall(t time.Time) time.Time {
	l := t.In(z.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

// ruleZone is a VTIMEZONE whose TZID the system's database does not know
// (Outlook's "Romance Standard Time", a custom id): its STANDARD and
// DAYLIGHT observances, each starting at the onsets of its DTSTART and
// RRULE or RDATE. No library here reads VTIMEZONE rules, and they are a
// few lines over rrule-go.
type ruleZone struct {
	obs []observance
}

type observance struct {
	from, to time.Duration // TZOFFSETFROM, TZOFFSETTO
	// onsets are the wall times (in the offset from) the observance
	// starts at, sorted: DTSTART, its RRULE's and RDATE's, up to
	// maxOnsets.
	onsets []time.Time
}

// maxOnsets bounds an observance's onsets: two a year for five centuries
// (Outlook's zones start in 1601); a hostile rule is cut there.
const maxOnsets = 1100

// onset returns the observance's last onset at or before wall, and
// whether there is one.
func (o *observance) onset(wall time.Time) (time.Time, bool) {
	i, found := slices.BinarySearchFunc(o.onsets, wall, func(a, b time.Time) int { return a.Compare(b) })
	if found {
		return o.onsets[i], true
	}
	if i == 0 {
		return time.Time{}, false
	}
	return o.onsets[i-1], true
}

// offset returns the UTC offset in force at wall: that of the observance
// with the latest onset; before every onset, the first observance's
// TZOFFSETFROM.
func (z *ruleZone) offset(wall time.Time) time.Duration {
	var best time.Time
	off := z.obs[0].from
	for i := range z.obs {
		if t, ok := z.obs[i].onset(wall); ok && t.After(best) {
			best, off = t, z.obs[i].to
		}
	}
	return off
}

func (z *ruleZone) instant(w time.Time) time.Time { return w.Add(-z.offset(w)) }

func (z *ruleZone) wall(t time.Time) time.Time {
	for i := range z.obs {
		for _, off := range []time.Duration{z.obs[i].to, z.obs[i].from} {
			if w := t.Add(off); z.instant(w).Equal(t) {
				return w
			}
		}
	}
	return t.Add(z.obs[0].to)
}

// zones resolves the TZID of a calendar's properties.
type zones struct {
	defs     map[string]*goical.Component // VTIMEZONE by TZID
	floating zone                         // TIME_ZONE, for times without TZID nor Z
	cache    map[string]zone
}

func newZones(cal *goical.Component, floating *time.Location) *zones {
	z := &zones{defs: map[string]*goical.Component{}, floating: ianaZone{floating}, cache: map[string]zone{}}
	for _, c := range cal.Children {
		if c.Name == goical.CompTimezone {
			if id := c.Props.Get(goical.PropTimezoneID); id != nil {
				z.defs[id.Value] = c
			}
		}
	}
	return z
}

// of returns the zone of a date-time property: UTC for a value ending in
// Z, its TZID's, or the floating zone.
func (z *zones) of(p *goical.Prop) (zone, error) {
	if strings.HasSuffix(p.Value, "Z") {
		return ianaZone{time.UTC}, nil
	}
	id := p.Params.Get(goical.PropTimezoneID)
	if id == "" {
		return z.floating, nil
	}
	if zn, ok := z.cache[id]; ok {
		if zn == nil {
			return nil, fmt.Errorf("unknown time zone %q", id)
		}
		return zn, nil
	}
	zn := z.resolve(id)
	z.cache[id] = zn
	if zn == nil {
		return nil, fmt.Errorf("unknown time zone %q", id)
	}
	return zn, nil
}

// resolve tries, in order: an IANA name (or the end of one, as in
// "/mozilla.org/20050126_1/Europe/Paris"), the VTIMEZONE's
// X-LIC-LOCATION, and the VTIMEZONE's own rules.
func (z *zones) resolve(id string) zone {
	if loc := loadIANA(id); loc != nil {
		return ianaZone{loc}
	}
	def := z.defs[id]
	if def == nil {
		return nil
	}
	if p := def.Props.Get("X-LIC-LOCATION"); p != nil {
		if loc := loadIANA(p.Value); loc != nil {
			return ianaZone{loc}
		}
	}
	rz := &ruleZone{}
	for _, c := range def.Children {
		if c.Name != goical.CompTimezoneStandard && c.Name != goical.CompTimezoneDaylight {
			continue
		}
		o, err := readObservance(c)
		if err != nil {
			return nil
		}
		rz.obs = append(rz.obs, o)
	}
	if len(rz.obs) == 0 {
		return nil
	}
	return rz
}

func loadIANA(id string) *time.Location {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	for i := range parts {
		name := strings.Join(parts[i:], "/")
		if name == "" || name == "Local" {
			continue
		}
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return nil
}

func readObservance(c *goical.Component) (observance, error) {
	var o observance
	var err error
	for _, f := range []struct {
		name string
		d    *time.Duration
	}{{"TZOFFSETFROM", &o.from}, {"TZOFFSETTO", &o.to}} {
		p := c.Props.Get(f.name)
		if p == nil {
			return o, fmt.Errorf("no %s", f.name)
		}
		if *f.d, err = parseOffset(p.Value); err != nil {
			return o, err
		}
	}
	p := c.Props.Get(goical.PropDateTimeStart)
	if p == nil {
		return o, fmt.Errorf("no DTSTART")
	}
	start, _, err := parseWall(p.Value)
	if err != nil {
		return o, err
	}
	o.onsets = append(o.onsets, start)
	if r := c.Props.Get(goical.PropRecurrenceRule); r != nil {
		opt, err := rrule.StrToROption(r.Value)
		if err != nil {
			return o, err
		}
		opt.Dtstart = start
		if start.Year() < 1970 {
			// rrule-go counts in time.Duration, which spans 292 years:
			// Outlook's rules start in 1601 and would stop in 1892.
			opt.Dtstart = time.Date(1970, start.Month(), start.Day(), start.Hour(), start.Minute(), start.Second(), 0, time.UTC)
		}
		if !opt.Until.IsZero() {
			// UNTIL is in UTC: as a wall time, in the offset before the
			// change.
			opt.Until = opt.Until.UTC().Add(o.from)
		}
		rule, err := rrule.NewRRule(*opt)
		if err != nil {
			return o, err
		}
		next := rule.Iterator()
		for len(o.onsets) < maxOnsets {
			t, ok := next()
			if !ok || t.Year() > 2200 {
				break
			}
			o.onsets = append(o.onsets, t)
		}
	}
	for _, r := range c.Props.Values(goical.PropRecurrenceDates) {
		for v := range strings.SplitSeq(r.Value, ",") {
			if w, _, err := parseWall(v); err == nil && len(o.onsets) < maxOnsets {
				o.onsets = append(o.onsets, w)
			}
		}
	}
	slices.SortFunc(o.onsets, func(a, b time.Time) int { return a.Compare(b) })
	return o, nil
}

// parseOffset reads a UTC offset: +0100, -0500, +053000.
func parseOffset(s string) (time.Duration, error) {
	if len(s) != 5 && len(s) != 7 || (s[0] != '+' && s[0] != '-') {
		return 0, fmt.Errorf("bad UTC offset %q", s)
	}
	var h, m, sec int
	if _, err := fmt.Sscanf(s[1:5], "%02d%02d", &h, &m); err != nil {
		return 0, fmt.Errorf("bad UTC offset %q", s)
	}
	if len(s) == 7 {
		if _, err := fmt.Sscanf(s[5:], "%02d", &sec); err != nil {
			return 0, fmt.Errorf("bad UTC offset %q", s)
		}
	}
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second
	if d > 18*time.Hour {
		return 0, fmt.Errorf("bad UTC offset %q", s)
	}
	if s[0] == '-' {
		d = -d
	}
	return d, nil
}

// parseWall reads a DATE-TIME (20250106T080000, 20250106T070000Z) or a
// DATE (20250106) as a wall time; date reports a DATE.
func parseWall(v string) (wall time.Time, date bool, err error) {
	v = strings.TrimSpace(v)
	switch len(v) {
	case 8:
		t, err := time.Parse("20060102", v)
		return t, true, err
	case 15:
		t, err := time.Parse("20060102T150405", v)
		return t, false, err
	case 16:
		t, err := time.Parse("20060102T150405Z", v)
		return t, false, err
	}
	return time.Time{}, false, fmt.Errorf("bad date %q", v)
}
