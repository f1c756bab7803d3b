// Package ical reads iCalendar (RFC 5545) timetables into the events of a
// recorder's schedule: the parser (lectern.FeedParser) expands recurring
// events within the import window and finds their owners' usernames or
// emails by the feed's mapping rule; the fetcher (lectern.FeedFetcher)
// reads a feed's URL, bounded in size, time and redirects.
//
// The content lines are read by github.com/emersion/go-ical (line
// unfolding, parameters, text escapes) and recurrences expanded by
// github.com/teambition/rrule-go, which go-ical itself uses: go-ical's
// own RecurrenceSet is not used, as it reads each EXDATE as one date (a
// comma-separated list is common) and RDATE as EXDATE, and resolves a
// TZID only among IANA names.
package ical

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"

	"lectern"
)

// Parser reads iCalendar files; it implements lectern.FeedParser.
type Parser struct {
	// Location is TIME_ZONE, the zone of floating times (no TZID, no Z);
	// nil: UTC.
	Location *time.Location
	// Back and Horizon bound the window around now that feeds are
	// expanded in: a week back and 120 days ahead when zero
	// (SCHEDULE_FEED_HORIZON_DAYS).
	Back, Horizon time.Duration
	// MaxOccurrences bounds the events of a feed
	// (lectern.FeedMaxOccurrences when zero); MaxScan the instants one
	// recurrence rule may produce before its window ends (100,000 when
	// zero: a weekly lecture since 1990 is 2,000).
	MaxOccurrences int
	MaxScan        int
}

var _ lectern.FeedParser = (*Parser)(nil)

// maxDepth bounds the nesting of components (VCALENDAR, VEVENT, VALARM:
// three): the decoder recurses once per BEGIN.
const maxDepth = 8

// ParseFeed implements lectern.FeedParser.
func (p *Parser) ParseFeed(ctx context.Context, f *lectern.Feed, data []byte, now time.Time) (*lectern.FeedParse, error) {
	back, ahead := p.Back, p.Horizon
	if back <= 0 {
		back = 7 * 24 * time.Hour
	}
	if ahead <= 0 {
		ahead = 120 * 24 * time.Hour
	}
	out := &lectern.FeedParse{From: now.Add(-back).UTC(), To: now.Add(ahead).UTC()}
	cals, err := decode(data)
	if err != nil {
		return nil, err
	}
	rule, err := newOwnerRule(f.Rule)
	if err != nil {
		return nil, err
	}
	x := &expander{p: p, out: out, rule: rule, ctx: ctx, max: p.MaxOccurrences, maxScan: p.MaxScan}
	if x.max <= 0 {
		x.max = lectern.FeedMaxOccurrences
	}
	if x.maxScan <= 0 {
		x.maxScan = 100000
	}
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	for _, cal := range cals {
		x.zones = newZones(cal.Component, loc)
		if err := x.calendar(cal); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(out.Occurrences, func(i, j int) bool {
		return out.Occurrences[i].Event.Start.Before(out.Occurrences[j].Event.Start)
	})
	return out, nil
}

// decode reads every VCALENDAR of data; EINVALID when there is none or a
// line is malformed.
func decode(data []byte) ([]*goical.Calendar, error) {
	if len(data) > lectern.FeedMaxBytes {
		return nil, lectern.Errorf(lectern.EINVALID, "The file is larger than %d MiB.", lectern.FeedMaxBytes>>20)
	}
	if !utf8.Valid(data) {
		return nil, lectern.Errorf(lectern.EINVALID, "The file is not an iCalendar file: it is not UTF-8 text.")
	}
	if err := checkDepth(data); err != nil {
		return nil, err
	}
	dec := goical.NewDecoder(bytes.NewReader(data))
	var cals []*goical.Calendar
	for {
		cal, err := dec.Decode()
		if err != nil {
			if isEOF(err) && len(cals) > 0 {
				return cals, nil
			}
			if isEOF(err) {
				return nil, lectern.Errorf(lectern.EINVALID, "The file is not an iCalendar file: it holds no VCALENDAR.")
			}
			return nil, lectern.Errorf(lectern.EINVALID, "The file is not an iCalendar file: %s.", strings.TrimPrefix(err.Error(), "ical: "))
		}
		cals = append(cals, cal)
	}
}

func isEOF(err error) bool { return err != nil && err.Error() == "EOF" }

// checkDepth refuses components nested deeper than maxDepth, and an END
// without its BEGIN, before the recursive decoder sees them.
func checkDepth(data []byte) error {
	depth := 0
	for line := range bytes.Lines(data) {
		switch {
		case len(line) >= 6 && bytes.EqualFold(line[:6], []byte("BEGIN:")):
			if depth++; depth > maxDepth {
				return lectern.Errorf(lectern.EINVALID, "The file is not an iCalendar file: components are nested too deep.")
			}
		case len(line) >= 4 && bytes.EqualFold(line[:4], []byte("END:")):
			depth--
		}
	}
	return nil
}

// expander expands the events of calendars into occurrences.
type expander struct {
	p       *Parser
	ctx     context.Context
	out     *lectern.FeedParse
	rule    *ownerRule
	zones   *zones
	max     int
	maxScan int
}

func (x *expander) calendar(cal *goical.Calendar) error {
	masters := map[string]*goical.Component{}
	overrides := map[string]map[string]*goical.Component{} // UID → key → VEVENT
	var order []string
	for _, ev := range cal.Events() {
		uid := text(ev.Component, goical.PropUID)
		if uid == "" {
			x.problem(ev.Component, "", "", "the event has no UID")
			continue
		}
		if rid := ev.Props.Get(goical.PropRecurrenceID); rid != nil {
			t, _, err := x.instant(rid)
			if err != nil {
				x.problem(ev.Component, uid, "", "RECURRENCE-ID: "+err.Error())
				continue
			}
			if overrides[uid] == nil {
				overrides[uid] = map[string]*goical.Component{}
			}
			overrides[uid][key(uid, t)] = ev.Component
			continue
		}
		if masters[uid] == nil {
			order = append(order, uid)
		}
		masters[uid] = ev.Component
	}
	for _, uid := range order {
		if err := x.master(uid, masters[uid], overrides[uid]); err != nil {
			return err
		}
	}
	// Overrides stand on their own: a lecture moved into the window from
	// an instant outside it, or whose series is not in the file.
	uids := make([]string, 0, len(overrides))
	for uid := range overrides {
		uids = append(uids, uid)
	}
	sort.Strings(uids)
	for _, uid := range uids {
		keys := make([]string, 0, len(overrides[uid]))
		for k := range overrides[uid] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			c := overrides[uid][k]
			if cancelled(c) {
				x.out.Cancelled++
				continue
			}
			start, end, allDay, err := x.times(c)
			if err != nil {
				x.problem(c, uid, k, err.Error())
				continue
			}
			if allDay {
				x.out.Skipped++
				continue
			}
			x.add(c, k, start, end)
		}
	}
	return x.ctx.Err()
}

// master expands a VEVENT without RECURRENCE-ID: its DTSTART, and its
// RRULE's and RDATE's instants but its EXDATE's and those an override
// replaces.
func (x *expander) master(uid string, c *goical.Component, overrides map[string]*goical.Component) error {
	if cancelled(c) {
		x.out.Cancelled++
		return nil
	}
	start, end, allDay, err := x.times(c)
	if err != nil {
		x.problem(c, uid, "", err.Error())
		return nil
	}
	if allDay {
		x.out.Skipped++
		return nil
	}
	rr := c.Props.Get(goical.PropRecurrenceRule)
	rd := c.Props.Values(goical.PropRecurrenceDates)
	if rr == nil && len(rd) == 0 {
		// A single event's key is its UID: moved, it is updated.
		x.add(c, uid, start, end)
		return nil
	}
	dur := end.Sub(start)
	z, err := x.zones.of(c.Props.Get(goical.PropDateTimeStart))
	if err != nil {
		x.problem(c, uid, "", err.Error())
		return nil
	}
	instants, err := x.instants(c, z, start)
	if err != nil {
		x.problem(c, uid, "", err.Error())
		return nil
	}
	for _, t := range instants {
		k := key(uid, t)
		if overrides[k] != nil {
			continue
		}
		x.add(c, k, t, t.Add(dur))
	}
	return x.ctx.Err()
}

// instants returns the instants of c's recurrence set that may overlap the
// window, in order.
func (x *expander) instants(c *goical.Component, z zone, start time.Time) ([]time.Time, error) {
	wallStart := z.wall(start)
	set := &rrule.Set{}
	set.DTStart(wallStart)
	if rr := c.Props.Get(goical.PropRecurrenceRule); rr != nil {
		opt, err := rrule.StrToROption(rr.Value)
		if err != nil {
			return nil, fmt.Errorf("RRULE: %v", err)
		}
		opt.Dtstart = wallStart
		if !opt.Until.IsZero() && untilUTC(rr.Value) {
			// UNTIL in UTC: in the event's wall time, as its instants
			// are (a floating UNTIL is one already).
			opt.Until = z.wall(opt.Until.UTC())
		}
		rule, err := rrule.NewRRule(*opt)
		if err != nil {
			return nil, fmt.Errorf("RRULE: %v", err)
		}
		set.RRule(rule)
	}
	for _, name := range []string{goical.PropRecurrenceDates, goical.PropExceptionDates} {
		for _, p := range c.Props.Values(name) {
			// Without TZID nor Z, a date is taken in the event's zone,
			// as exporters mean it.
			pz := z
			if p.Params.Get(goical.PropTimezoneID) != "" || strings.HasSuffix(p.Value, "Z") {
				var err error
				if pz, err = x.zones.of(&p); err != nil {
					return nil, fmt.Errorf("%s: %v", name, err)
				}
			}
			for v := range strings.SplitSeq(p.Value, ",") {
				v, _, _ = strings.Cut(v, "/") // a PERIOD's start
				w, date, err := parseWall(v)
				if err != nil {
					return nil, fmt.Errorf("%s: %v", name, err)
				}
				if date {
					// An all-day exception: that day at the event's time.
					w = w.Add(time.Duration(wallStart.Hour())*time.Hour + time.Duration(wallStart.Minute())*time.Minute)
					pz = z
				}
				w = z.wall(pz.instant(w))
				if name == goical.PropRecurrenceDates {
					set.RDate(w)
				} else {
					set.ExDate(w)
				}
			}
		}
	}
	wallTo := z.wall(x.out.To)
	wallFrom := z.wall(x.out.From.Add(-lectern.EventMaxDuration))
	next := set.Iterator()
	var list []time.Time
	for scanned := 0; ; scanned++ {
		if scanned >= x.maxScan {
			x.out.Truncated = true
			return list, fmt.Errorf("RRULE repeats more than %d times before the window ends: cut there", x.maxScan)
		}
		if scanned%1000 == 999 && x.ctx.Err() != nil {
			return nil, x.ctx.Err()
		}
		w, ok := next()
		if !ok || !w.Before(wallTo) {
			break
		}
		if w.Before(wallFrom) {
			continue
		}
		list = append(list, z.instant(w))
		if len(list) > x.max {
			break
		}
	}
	return list, nil
}

// untilUTC reports whether a recurrence rule's UNTIL is in UTC.
func untilUTC(rule string) bool {
	for part := range strings.SplitSeq(strings.ToUpper(rule), ";") {
		if v, ok := strings.CutPrefix(part, "UNTIL="); ok {
			return strings.HasSuffix(v, "Z")
		}
	}
	return false
}

// times returns the event's start and end instants; allDay when DTSTART
// is a DATE.
func (x *expander) times(c *goical.Component) (start, end time.Time, allDay bool, err error) {
	sp := c.Props.Get(goical.PropDateTimeStart)
	if sp == nil {
		return start, end, false, fmt.Errorf("the event has no DTSTART")
	}
	if strings.EqualFold(sp.Params.Get(goical.ParamValue), "DATE") || len(strings.TrimSpace(sp.Value)) == 8 {
		return start, end, true, nil
	}
	start, _, err = x.instant(sp)
	if err != nil {
		return start, end, false, fmt.Errorf("DTSTART: %v", err)
	}
	switch ep, dp := c.Props.Get(goical.PropDateTimeEnd), c.Props.Get(goical.PropDuration); {
	case ep != nil:
		end, _, err = x.instant(ep)
		if err != nil {
			return start, end, false, fmt.Errorf("DTEND: %v", err)
		}
	case dp != nil:
		d, err := dp.Duration()
		if err != nil {
			return start, end, false, fmt.Errorf("DURATION: %v", err)
		}
		end = start.Add(d)
	default:
		return start, end, false, fmt.Errorf("the event has no DTEND nor DURATION")
	}
	return start, end, false, nil
}

// instant reads a date-time property in its zone.
func (x *expander) instant(p *goical.Prop) (time.Time, zone, error) {
	w, date, err := parseWall(p.Value)
	if err != nil {
		return time.Time{}, nil, err
	}
	z, err := x.zones.of(p)
	if err != nil {
		return time.Time{}, nil, err
	}
	if date {
		z = x.zones.floating
	}
	return z.instant(w), z, nil
}

// add appends the occurrence of c keyed k at [start, end), when it
// overlaps the window and the feed's cap is not reached.
func (x *expander) add(c *goical.Component, k string, start, end time.Time) {
	if !start.Before(x.out.To) || !end.After(x.out.From) {
		return
	}
	if len(x.out.Occurrences) >= x.max {
		x.out.Truncated = true
		return
	}
	ev := lectern.Event{
		FeedKey:     k,
		Start:       start.UTC(),
		End:         end.UTC(),
		Title:       clip(text(c, goical.PropSummary), lectern.EventTitleMax),
		Description: clip(text(c, goical.PropDescription), lectern.EventTextMax),
		Location:    clip(text(c, goical.PropLocation), lectern.EventTitleMax),
	}
	x.out.Occurrences = append(x.out.Occurrences, lectern.FeedOccurrence{Event: ev, OwnerKeys: x.rule.keys(c)})
}

func (x *expander) problem(c *goical.Component, uid, k, msg string) {
	x.out.Errors = append(x.out.Errors, lectern.FeedReportItem{Key: firstNonEmpty(k, uid), Title: text(c, goical.PropSummary),
		Reason: lectern.FeedReasonParse, Detail: msg})
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// key is the FeedKey of a recurring event's occurrence.
func key(uid string, t time.Time) string { return uid + "|" + t.UTC().Format(time.RFC3339) }

func cancelled(c *goical.Component) bool {
	return strings.EqualFold(strings.TrimSpace(text(c, goical.PropStatus)), "CANCELLED")
}

// text returns a text property, unescaped, with its invalid bytes and
// NULs dropped; "" when absent or broken.
func text(c *goical.Component, name string) string {
	p := c.Props.Get(name)
	if p == nil {
		return ""
	}
	s, err := p.Text()
	if err != nil {
		s = p.Value
	}
	s = strings.ToValidUTF8(s, "")
	return strings.TrimSpace(strings.ReplaceAll(s, "\x00", ""))
}

// clip cuts s to n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
