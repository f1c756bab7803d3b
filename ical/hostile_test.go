package ical

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"lectern"
)

func ics(events ...string) []byte {
	return []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + strings.Join(events, "") + "END:VCALENDAR\r\n")
}

func vevent(lines ...string) string {
	return "BEGIN:VEVENT\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VEVENT\r\n"
}

func parse(t *testing.T, p *Parser, data []byte) (*lectern.FeedParse, error) {
	t.Helper()
	return p.ParseFeed(context.Background(), &lectern.Feed{}, data, now)
}

// TestParseBombs holds a feed's expansion bounded: a rule repeating every
// second since 1990 is cut after MaxScan instants, one repeating every
// second in the window after MaxOccurrences, both reported as truncated.
func TestParseBombs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, start string
		wantErrors  int
	}{
		{"since 1990", "19900101T000000Z", 1},
		{"in the window", "20260106T000000Z", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := ics(vevent("UID:bomb", "SUMMARY:Bomb", "DTSTART:"+tc.start, "DURATION:PT1S", "RRULE:FREQ=SECONDLY"))
			out, err := parse(t, &Parser{MaxScan: 20000}, data)
			if err != nil {
				t.Fatal(err)
			}
			if !out.Truncated || len(out.Occurrences) > lectern.FeedMaxOccurrences || len(out.Errors) != tc.wantErrors {
				t.Errorf("truncated %v, %d occurrences, errors %v", out.Truncated, len(out.Occurrences), out.Errors)
			}
		})
	}
}

// TestParseMalformed holds files that are not iCalendar refused as a
// whole, with a clear message, and broken events reported one by one.
func TestParseMalformed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, data, want string
	}{
		{"not ics", "<html><body>Login</body></html>", "not an iCalendar file"},
		{"empty", "", "holds no VCALENDAR"},
		{"unterminated", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n", "not an iCalendar file"},
		{"deep", "BEGIN:VCALENDAR\r\n" + strings.Repeat("BEGIN:X\r\n", 100000), "nested too deep"},
		{"binary", "BEGIN:VCALENDAR\r\n\xff\xfe\r\nEND:VCALENDAR\r\n", "not UTF-8"},
		{"no colon", "BEGIN:VCALENDAR\r\nnonsense\r\nEND:VCALENDAR\r\n", "not an iCalendar file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := parse(t, &Parser{}, []byte(tc.data))
			if lectern.ErrorCode(err) != lectern.EINVALID || !strings.Contains(lectern.ErrorMessage(err), tc.want) {
				t.Errorf("err = %v, want EINVALID with %q", err, tc.want)
			}
		})
	}
	out, err := parse(t, &Parser{}, ics(
		vevent("UID:tz", "SUMMARY:Unknown zone", "DTSTART;TZID=Mars/Olympus:20260110T100000", "DTEND;TZID=Mars/Olympus:20260110T110000"),
		vevent("SUMMARY:No UID", "DTSTART:20260110T100000Z", "DTEND:20260110T110000Z"),
		vevent("UID:rule", "SUMMARY:Bad rule", "DTSTART:20260110T100000Z", "DTEND:20260110T110000Z", "RRULE:FREQ=FORTNIGHTLY"),
		vevent("UID:noend", "SUMMARY:No end", "DTSTART:20260110T100000Z"),
		vevent("UID:ok", "SUMMARY:Fine", "DTSTART:20260111T100000Z", "DTEND:20260111T110000Z"),
	))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Occurrences) != 1 || len(out.Errors) != 4 {
		t.Errorf("%d occurrences (want 1), errors %+v (want 4)", len(out.Occurrences), out.Errors)
	}
}

// TestParseWindowsZone reads a VTIMEZONE whose TZID is no IANA name (as
// Outlook and Exchange export them), by its own rules.
func TestParseWindowsZone(t *testing.T) {
	t.Parallel()
	tz := "BEGIN:VTIMEZONE\r\nTZID:Romance Standard Time\r\n" +
		"BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\n" +
		"END:VTIMEZONE\r\n"
	out, err := parse(t, &Parser{}, ics(tz, vevent("UID:w", "SUMMARY:Weekly",
		"DTSTART;TZID=Romance Standard Time:20260323T090000", "DTEND;TZID=Romance Standard Time:20260323T100000",
		"RRULE:FREQ=WEEKLY;COUNT=2")))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range out.Occurrences {
		got = append(got, o.Event.Start.Format(time.RFC3339))
	}
	if want := "2026-03-23T08:00:00Z 2026-03-30T07:00:00Z"; strings.Join(got, " ") != want || len(out.Errors) != 0 {
		t.Errorf("starts %v, want %s; errors %v", got, want, out.Errors)
	}
}

// TestFetch holds the fetcher to the feed's http(s) address, a 200 answer,
// a few redirects and the size cap.
func TestFetch(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.ics", func(w http.ResponseWriter, r *http.Request) { w.Write(ics()) })
	mux.HandleFunc("/big.ics", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("X", lectern.FeedMaxBytes+10)))
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("/missing", http.NotFound)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := &Fetcher{Timeout: 10 * time.Second, AllowPrivate: true} // the test server is on 127.0.0.1
	if data, err := f.FetchFeed(context.Background(), srv.URL+"/feed.ics"); err != nil || !strings.HasPrefix(string(data), "BEGIN:VCALENDAR") {
		t.Fatalf("fetch = %q, %v", data, err)
	}
	for _, tc := range []struct{ url, want string }{
		{srv.URL + "/big.ics", "larger than 10 MiB"},
		{srv.URL + "/loop", "redirects"},
		{srv.URL + "/file", "refused"},
		{srv.URL + "/missing", "404"},
		// How a connection failed is not shown (the log has it).
		{"http://127.0.0.1:1/feed.ics", "Could not fetch the feed: the address could not be reached."},
		{"file:///etc/passwd", "Only http and https"},
		{"gopher://example.org/", "Only http and https"},
		{strings.Replace(srv.URL, "http://", "http://user:pw@", 1), "no user name"},
	} {
		_, err := f.FetchFeed(context.Background(), tc.url)
		if lectern.ErrorCode(err) != lectern.EINVALID || !strings.Contains(lectern.ErrorMessage(err), tc.want) ||
			strings.Contains(lectern.ErrorMessage(err), "refused") && !strings.Contains(tc.want, "refused") {
			t.Errorf("fetch %s: %v (shown %q), want EINVALID with %q", tc.url, err, lectern.ErrorMessage(err), tc.want)
		}
	}
}

// TestParseOversizedTexts: texts are cut to the event's limits and
// cleaned of NULs, so that a feed's long description does not make its
// event invalid.
func TestParseOversizedTexts(t *testing.T) {
	t.Parallel()
	out, err := parse(t, &Parser{}, ics(vevent("UID:big", "SUMMARY:"+strings.Repeat("é", 100000), "DESCRIPTION:a\\x00b"+strings.Repeat("d", 20000),
		"LOCATION:Amphi\x00 B", "DTSTART:20260110T100000Z", "DTEND:20260110T110000Z")))
	if err != nil {
		t.Fatal(err)
	}
	e := out.Occurrences[0].Event
	if n := len([]rune(e.Title)); n != lectern.EventTitleMax || len([]rune(e.Description)) != lectern.EventTextMax || e.Location != "Amphi B" {
		t.Errorf("title %d runes, description %d, location %q", n, len([]rune(e.Description)), e.Location)
	}
	if err := e.Validate(); err != nil {
		// Validate needs the recorder the importer sets.
		if f := lectern.ErrorFields(err); len(f) != 1 || f["recorder"] == "" {
			t.Errorf("the clipped event is not valid: %v", err)
		}
	}
}

// TestParseFloatingTimes: times without TZID nor Z are in TIME_ZONE, and
// an EXDATE without zone is in its event's.
func TestParseFloatingTimes(t *testing.T) {
	t.Parallel()
	paris, _ := time.LoadLocation("Europe/Paris")
	out, err := parse(t, &Parser{Location: paris}, ics(vevent("UID:f", "SUMMARY:Floating",
		"DTSTART:20260112T090000", "DTEND:20260112T100000", "RRULE:FREQ=DAILY;UNTIL=20260115T090000;BYDAY=MO,TU,WE,TH,FR",
		"EXDATE:20260113T090000")))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range out.Occurrences {
		got = append(got, o.Event.Start.Format(time.RFC3339))
	}
	if want := "2026-01-12T08:00:00Z 2026-01-14T08:00:00Z 2026-01-15T08:00:00Z"; strings.Join(got, " ") != want {
		t.Errorf("starts %v, want %s", got, want)
	}
}

// TestFetchRefusesPrivateAddresses: by default a feed reaches no address
// of this host, its networks or a cloud's metadata service, by its own
// address, a name resolving to one, or a redirect; AllowPrivate lets it.
func TestFetchRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.ics", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	f := &Fetcher{Timeout: 10 * time.Second}
	for _, u := range []string{srv.URL + "/feed.ics", "http://localhost:" + port + "/feed.ics",
		"http://[::ffff:127.0.0.1]:" + port + "/feed.ics", "http://169.254.169.254/latest/meta-data/",
		"http://10.0.0.1:" + port + "/", "http://0.0.0.0:" + port + "/feed.ics"} {
		_, err := f.FetchFeed(context.Background(), u)
		if lectern.ErrorCode(err) != lectern.EINVALID || !strings.Contains(lectern.ErrorMessage(err), "private network") {
			t.Errorf("fetch %s: %v (shown %q), want it refused as private", u, err, lectern.ErrorMessage(err))
		}
	}
	allowed := &Fetcher{Timeout: 10 * time.Second, AllowPrivate: true}
	if _, err := allowed.FetchFeed(context.Background(), "http://localhost:"+port+"/feed.ics"); err != nil {
		t.Errorf("with AllowPrivate: %v", err)
	}
	for _, ip := range []string{"8.8.8.8", "2001:4860:4860::8888", "193.48.0.1"} {
		if !publicAddress(netip.MustParseAddr(ip)) {
			t.Errorf("%s refused", ip)
		}
	}
}
