package opencast

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"lectern"
)

// handleCalendar serves GET /recordings/calendars?agentid=…&cutoff=…:
// the agent's events that have not ended, up to cutoff (epoch
// milliseconds; CalendarHorizon when absent, and at most that far), as
// Opencast's iCalendar. Its ETag is a hash of its content; an agent that
// sends it back in If-None-Match gets 304 until an event changes.
func (s *Server) handleCalendar(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name := q.Get("agentid")
	rec, ok := s.agent(w, r, name)
	if !ok {
		return
	}
	now := s.now().UTC()
	to := now.Add(s.cfg.CalendarHorizon)
	if c := q.Get("cutoff"); c != "" {
		ms, err := strconv.ParseInt(c, 10, 64)
		if err != nil || ms < 0 {
			http.Error(w, "The cutoff must be a time in milliseconds since 1970 (an integer).", http.StatusBadRequest)
			return
		}
		if cutoff := time.UnixMilli(ms).UTC(); cutoff.Before(to) {
			to = cutoff
		}
	}
	if err := s.deps.Agents.TouchAgent(r.Context(), name, rec.ID, now); err != nil {
		s.log.Warn("capture agent: record contact", "agent", name, "err", err)
	}
	var events []*lectern.Event
	if to.After(now) {
		var err error
		events, _, err = s.deps.Events.FindEvents(r.Context(), lectern.EventFilter{RecorderID: &rec.ID, From: now, To: to})
		if err != nil {
			s.log.Error("capture agent calendar: find events", "agent", name, "err", err)
			http.Error(w, "Internal error.", http.StatusInternalServerError)
			return
		}
	}
	body := s.calendar(r, name, events)
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// etagMatches reports whether an If-None-Match header names etag,
// quoted or not (Galicaster sends back what it read), weak or strong.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || strings.Trim(t, `"`) == strings.Trim(etag, `"`) && t != "" {
			return true
		}
	}
	return false
}

// calendar writes the events as Opencast's scheduler does, with the
// attachments agents need on each.
func (s *Server) calendar(r *http.Request, agent string, events []*lectern.Event) []byte {
	devices := ""
	if a, err := s.deps.Agents.FindAgent(r.Context(), agent); err == nil {
		devices = a.Configuration["capture.device.names"]
	}
	names := map[int64]string{}
	var c ical
	c.line("BEGIN", "VCALENDAR")
	c.line("PRODID", "-//Lectern//Opencast scheduler//EN")
	c.line("VERSION", "2.0")
	c.line("CALSCALE", "GREGORIAN")
	for _, ev := range events {
		creator := ""
		if ev.OwnerID != nil {
			if n, ok := names[*ev.OwnerID]; ok {
				creator = n
			} else if u, err := s.deps.Users.FindUserByID(r.Context(), *ev.OwnerID); err == nil {
				creator = u.FullName()
				names[*ev.OwnerID] = creator
			}
		}
		stamp := ev.UpdatedAt
		if stamp.IsZero() {
			stamp = ev.CreatedAt
		}
		c.line("BEGIN", "VEVENT")
		c.line("DTSTAMP", icalTime(stamp))
		c.line("DTSTART", icalTime(ev.Start))
		c.line("DTEND", icalTime(ev.End))
		c.line("SUMMARY", escapeText(ev.Title))
		c.line("UID", escapeText(ev.UID))
		c.line("LAST-MODIFIED", icalTime(stamp))
		if ev.Description != "" {
			c.line("DESCRIPTION", escapeText(ev.Description))
		}
		c.line("LOCATION", escapeText(agent))
		if ev.Series != "" {
			c.line("RELATED-TO", escapeText(ev.Series))
		}
		c.attach("application/xml", "episode.xml", episodeCatalog(ev, agent, creator))
		if ev.Series != "" {
			c.attach("application/xml", "series.xml", seriesCatalog(ev.Series))
		}
		c.attach("application/text", "org.opencastproject.capture.agent.properties",
			agentProperties(ev, agent, devices, s.cfg.WorkflowDefinition))
		c.line("END", "VEVENT")
	}
	c.line("END", "VCALENDAR")
	return c.Bytes()
}

// ical writes iCalendar content lines (RFC 5545): CRLF ends, lines folded
// at 75 octets (never inside a UTF-8 character: pyCA decodes the whole
// text before it unfolds it).
type ical struct{ bytes.Buffer }

func (c *ical) line(name, value string) {
	l := name + ":" + value
	n := 0
	for len(l) > 0 {
		_, size := utf8.DecodeRuneInString(l)
		if n+size > 75 {
			c.WriteString("\r\n ")
			n = 1
		}
		c.WriteString(l[:size])
		n += size
		l = l[size:]
	}
	c.WriteString("\r\n")
}

// attach writes an inline base64 attachment, with Opencast's parameters
// (unquoted: pyCA splits them on ; and =).
func (c *ical) attach(mime, filename string, data []byte) {
	c.line("ATTACH;FMTTYPE="+mime+";VALUE=BINARY;ENCODING=BASE64;X-APPLE-FILENAME="+filename,
		base64.StdEncoding.EncodeToString(data))
}

func icalTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// escapeText escapes an iCalendar TEXT value: backslash, semicolon,
// comma and line breaks, and drops other control characters, so that no
// value can end its line and start a property of its own.
func escapeText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\' || r == ';' || r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || r == utf8.RuneError:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
