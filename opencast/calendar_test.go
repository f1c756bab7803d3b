package opencast_test

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"lectern"
)

// pycaEvent is an event as pyCA's parse_ical reads it: it unfolds the
// text by removing CRLF and a space, splits events and lines on CRLF,
// names from values on the first colon, and an ATTACH's parameters on ;
// and =.
type pycaEvent struct {
	props  map[string]string
	attach map[string]struct{ fmttype, data string }
}

func parseLikePyCA(t *testing.T, cal string) []pycaEvent {
	t.Helper()
	cal = strings.ReplaceAll(strings.ReplaceAll(cal, "\r\n ", ""), "\r\n\r\n", "\r\n")
	parts := strings.Split(cal, "\r\nBEGIN:VEVENT\r\n")
	var out []pycaEvent
	for _, vevent := range parts[1:] {
		ev := pycaEvent{props: map[string]string{}, attach: map[string]struct{ fmttype, data string }{}}
		for _, line := range strings.Split(vevent, "\r\n") {
			key, val, ok := strings.Cut(line, ":")
			if !ok || strings.EqualFold(key, "end") {
				continue
			}
			if !strings.HasPrefix(strings.ToLower(key), "attach") {
				ev.props[strings.ToLower(key)] = val
				continue
			}
			var a struct{ fmttype, data string }
			name := ""
			for _, p := range strings.Split(key, ";") {
				kv := strings.Split(p, "=")
				switch strings.ToLower(kv[0]) {
				case "fmttype":
					a.fmttype = kv[1]
				case "x-apple-filename":
					name = kv[1]
				}
			}
			data, err := base64.StdEncoding.DecodeString(val)
			if err != nil {
				t.Fatalf("attachment %s: %v", name, err)
			}
			a.data = string(data)
			ev.attach[name] = a
		}
		out = append(out, ev)
	}
	return out
}

func TestCalendar(t *testing.T) {
	t.Parallel()
	b := newBundle(t, nil)
	start := time.Now().UTC().Truncate(time.Second).Add(time.Hour)
	title := strings.Repeat("Algèbre linéaire, groupe 1; ", 4) + "\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:injected"
	ev := b.events.add(&lectern.Event{RecorderID: b.a.ID, Title: title, OwnerID: &b.owner.ID, Series: "Math <L1> & co",
		Start: start, End: start.Add(90 * time.Minute), UpdatedAt: start.Add(-time.Hour)})
	b.events.add(&lectern.Event{RecorderID: b.a.ID, Title: "Next week", Start: start.Add(7 * 24 * time.Hour), End: start.Add(7*24*time.Hour + time.Hour)})
	b.events.add(&lectern.Event{RecorderID: b.a.ID, Title: "Ended", Start: start.Add(-5 * time.Hour), End: start.Add(-4 * time.Hour)})
	b.events.add(&lectern.Event{RecorderID: b.b.ID, Title: "Another room", Start: start, End: start.Add(time.Hour)})

	cutoff := start.Add(3 * 24 * time.Hour).UnixMilli()
	path := fmt.Sprintf("/recordings/calendars?agentid=ca-a&cutoff=%d", cutoff)
	resp, cal := b.do(t, "GET", path, "ca-a", "pw-a", "", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("calendar: %d %s", resp.StatusCode, cal)
	}
	for _, line := range strings.SplitAfter(cal, "\n") {
		if !strings.HasSuffix(line, "\r\n") && line != "" {
			t.Fatalf("a line without CRLF: %q", line)
		}
		if len(line) > 77 {
			t.Fatalf("a line of %d octets: %q", len(line)-2, line)
		}
	}
	events := parseLikePyCA(t, cal)
	if len(events) != 1 {
		t.Fatalf("%d events; want the one before the cutoff that has not ended:\n%s", len(events), cal)
	}
	e := events[0]
	if e.props["uid"] != ev.UID || e.props["dtstart"] != start.Format("20060102T150405Z") || e.props["location"] != "ca-a" ||
		!strings.Contains(e.props["summary"], `Algèbre linéaire\, groupe 1\;`) || strings.Contains(cal, "\r\nUID:injected") || len(parseLikePyCA(t, cal)) != 1 {
		t.Errorf("event: %v", e.props)
	}
	props, ok := e.attach["org.opencastproject.capture.agent.properties"]
	if !ok || !strings.Contains(props.data, "\norg.opencastproject.workflow.definition=schedule-and-upload\n") ||
		!strings.Contains(props.data, "\nevent.location=ca-a\n") || strings.Contains(props.data, "\nEND:VEVENT") ||
		strings.Count(props.data, "\n") < 3 {
		t.Errorf("agent properties: %+v", props)
	}
	var dc struct {
		XMLName   xml.Name `xml:"http://www.opencastproject.org/xsd/1.0/dublincore/ dublincore"`
		Title     string   `xml:"http://purl.org/dc/terms/ title"`
		Creator   string   `xml:"http://purl.org/dc/terms/ creator"`
		IsPartOf  string   `xml:"http://purl.org/dc/terms/ isPartOf"`
		Spatial   string   `xml:"http://purl.org/dc/terms/ spatial"`
		Temporal  string   `xml:"http://purl.org/dc/terms/ temporal"`
		Identifer string   `xml:"http://purl.org/dc/terms/ identifier"`
	}
	episode := e.attach["episode.xml"]
	if err := xml.Unmarshal([]byte(episode.data), &dc); err != nil || episode.fmttype != "application/xml" {
		t.Fatalf("episode.xml: %v\n%s", err, episode.data)
	}
	if dc.Title != strings.TrimSpace(title) && dc.Title != title || dc.Creator != "Ada Lovelace" || dc.IsPartOf != "Math <L1> & co" ||
		dc.Spatial != "ca-a" || dc.Identifer != ev.UID || !strings.HasPrefix(dc.Temporal, "start="+start.Format("2006-01-02T15:04:05Z")+"; end=") {
		t.Errorf("episode: %+v", dc)
	}
	if s := e.attach["series.xml"].data; !strings.Contains(s, "<dcterms:title>Math &lt;L1&gt; &amp; co</dcterms:title>") {
		t.Errorf("series.xml: %s", s)
	}

	// ETag: the same calendar is not sent again.
	etag := resp.Header.Get("ETag")
	req, _ := http.NewRequest("GET", b.url+path, nil)
	req.SetBasicAuth("ca-a", "pw-a")
	req.Header.Set("If-None-Match", etag)
	if resp, body := b.send(t, req); resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("If-None-Match %s: %d", etag, resp.StatusCode)
	}
	req.Header.Set("If-None-Match", strings.Trim(etag, `"`)) // as Galicaster may send it back
	if resp, _ := b.send(t, req); resp.StatusCode != http.StatusNotModified {
		t.Errorf("unquoted If-None-Match: %d", resp.StatusCode)
	}
	req.Header.Set("If-None-Match", "-1") // Galicaster's first poll
	if resp, _ := b.send(t, req); resp.StatusCode != http.StatusOK {
		t.Errorf("If-None-Match -1: %d", resp.StatusCode)
	}
	// A change changes it.
	ev.Title, ev.UpdatedAt = "Renamed", start
	b.events.UpdateEvent(t.Context(), ev)
	req.Header.Set("If-None-Match", etag)
	if resp, body := b.send(t, req); resp.StatusCode != http.StatusOK || !strings.Contains(body, "SUMMARY:Renamed") {
		t.Errorf("after a change: %d", resp.StatusCode)
	}

	// No cutoff: everything to come.
	if _, cal := b.do(t, "GET", "/recordings/calendars?agentid=ca-a", "ca-a", "pw-a", "", nil); len(parseLikePyCA(t, cal)) != 2 {
		t.Errorf("without cutoff: %s", cal)
	}
	if a, err := b.agents.FindAgent(t.Context(), "ca-a"); err != nil || a.LastContact.IsZero() {
		t.Errorf("a calendar poll is not a contact: %v %v", a, err)
	}
	for _, c := range []struct {
		name, query string
		want        int
	}{
		{"bad cutoff", "agentid=ca-a&cutoff=tomorrow", http.StatusBadRequest},
		{"negative cutoff", "agentid=ca-a&cutoff=-5", http.StatusBadRequest},
		{"no agent", "cutoff=1", http.StatusBadRequest},
		{"another recorder's agent", "agentid=room-b", http.StatusForbidden},
	} {
		if resp, body := b.do(t, "GET", "/recordings/calendars?"+c.query, "ca-a", "pw-a", "", nil); resp.StatusCode != c.want {
			t.Errorf("%s: %d %s; want %d", c.name, resp.StatusCode, body, c.want)
		}
	}
	// A past cutoff: an empty calendar.
	if resp, cal := b.do(t, "GET", "/recordings/calendars?agentid=ca-a&cutoff=1000", "ca-a", "pw-a", "", nil); resp.StatusCode != 200 ||
		len(parseLikePyCA(t, cal)) != 0 || !strings.HasSuffix(cal, "END:VCALENDAR\r\n") {
		t.Errorf("past cutoff: %d %s", resp.StatusCode, cal)
	}
}
