package ical

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

// importBundle is a database with two teachers, a recorder and a feed of
// it, and the importer over them.
type importBundle struct {
	ctx      context.Context
	events   *sqldb.EventService
	feeds    *sqldb.FeedService
	importer *lectern.FeedImporter
	rec      *lectern.Recorder
	jean     *lectern.User
	data     []byte
}

func setupImport(t *testing.T) *importBundle {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "lectern.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := &importBundle{ctx: ctx, events: sqldb.NewEventService(db), feeds: sqldb.NewFeedService(db)}
	users := sqldb.NewUserService(db)
	b.jean = &lectern.User{Username: "jdupont", Email: "jean.dupont@univ.example", IsActive: true}
	for _, u := range []*lectern.User{b.jean, {Username: "mcurie", Email: "marie.curie@univ.example", IsActive: true}} {
		if err := users.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	vt := &lectern.VideoType{Title: "Course"}
	sqldb.NewVideoTypeService(db).CreateVideoType(ctx, vt)
	b.rec = lectern.NewRecorder()
	b.rec.Name, b.rec.AddressIP, b.rec.Directory, b.rec.TypeID = "Amphi B", "10.0.0.1", "amphib", vt.ID
	if err := sqldb.NewRecorderService(db).CreateRecorder(ctx, b.rec); err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	b.importer = &lectern.FeedImporter{Feeds: b.feeds, Events: b.events, Users: users,
		Parser: &Parser{Location: paris}, Fetcher: &Fetcher{Timeout: 10 * time.Second, AllowPrivate: true}, Now: func() time.Time { return now }}
	if b.data, err = os.ReadFile("testdata/timetable.ics"); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *importBundle) feed(t *testing.T, f *lectern.Feed) *lectern.Feed {
	t.Helper()
	f.RecorderID = b.rec.ID
	if err := b.feeds.CreateFeed(b.ctx, f); err != nil {
		t.Fatal(err)
	}
	return f
}

func (b *importBundle) event(t *testing.T, feedKey string) *lectern.Event {
	t.Helper()
	list, _, err := b.events.FindEvents(b.ctx, lectern.EventFilter{RecorderID: &b.rec.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if e.FeedKey == feedKey {
			return e
		}
	}
	t.Fatalf("no event %s", feedKey)
	return nil
}

const algebra = "ADE60456e7369746532303235-2026-algebra-L1"

// TestImportTimetable imports the export twice: the first creates its
// events (one refused for a hand-made event in its slot, some unmapped),
// the second, from a file where one event changed, one is gone and one
// used occurrence is excluded, updates, removes and keeps; the hand-made
// event is never touched.
func TestImportTimetable(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	hand := &lectern.Event{RecorderID: b.rec.ID, Title: "Réservation", Start: time.Date(2026, 1, 26, 7, 30, 0, 0, time.UTC),
		End: time.Date(2026, 1, 26, 8, 0, 0, 0, time.UTC)}
	if err := b.events.CreateEvent(b.ctx, hand); err != nil {
		t.Fatal(err)
	}
	f := b.feed(t, &lectern.Feed{Name: "Amphi B", Rule: lectern.FeedRule{Kind: lectern.FeedRuleOrganizer}})
	r, err := b.importer.Import(b.ctx, f.ID, b.data)
	if err != nil {
		t.Fatal(err)
	}
	if r.Occurrences != 20 || r.Created != 19 || r.ConflictCount != 1 || r.Unmapped != 10 || r.Skipped != 1 || r.Cancelled != 2 ||
		r.Changed+r.Removed+r.Kept+r.ErrorCount != 0 {
		t.Fatalf("first import: %+v", r)
	}
	if c := r.Conflicts[0]; c.Key != algebra+"|2026-01-26T07:00:00Z" || c.Reason != lectern.FeedReasonConflict || c.Detail == "" {
		t.Errorf("conflict %+v", c)
	}
	first := b.event(t, algebra+"|2026-01-05T07:00:00Z")
	if first.OwnerID == nil || *first.OwnerID != b.jean.ID || first.FeedID == nil || *first.FeedID != f.ID || first.Title != "L1 MATH101 Algèbre linéaire - CM" {
		t.Errorf("first occurrence %+v", first)
	}
	if u := b.event(t, "ADE60456e7369746532303235-2026-soutenance"); u.OwnerID != nil {
		t.Errorf("unmapped event owned by %d", *u.OwnerID)
	}
	// Unchanged, a second import changes nothing.
	if r, err := b.importer.Import(b.ctx, f.ID, b.data); err != nil || r.Unchanged != 19 || r.Created+r.Changed+r.Removed != 0 {
		t.Fatalf("same file again: %+v, %v", r, err)
	}

	used := b.event(t, algebra+"|2026-01-12T07:00:00Z")
	if err := b.events.MarkEventUsed(b.ctx, used.ID, used.Start); err != nil {
		t.Fatal(err)
	}
	gone := b.event(t, "ADE60456e7369746532303235-2026-soutenance")
	data := bytes.Replace(b.data, []byte("SUMMARY:Conseil de département"), []byte("SUMMARY:Conseil de département (salle 2)"), 1)
	data = bytes.Replace(data, []byte("EXDATE;TZID=Europe/Paris:20260216T080000"), []byte("EXDATE;TZID=Europe/Paris:20260112T080000,20260216T080000"), 1)
	data = bytes.Replace(data, []byte("UID:ADE60456e7369746532303235-2026-soutenance"), []byte("UID:elsewhere"), 1)
	data = bytes.Replace(data, []byte("DTSTART:20260210T130000Z"), []byte("DTSTART:20250210T130000Z"), 1)
	data = bytes.Replace(data, []byte("DTEND:20260210T150000Z"), []byte("DTEND:20250210T150000Z"), 1)
	r, err = b.importer.Import(b.ctx, f.ID, data)
	if err != nil {
		t.Fatal(err)
	}
	if r.Occurrences != 18 || r.Changed != 1 || r.Removed != 1 || r.Kept != 1 || r.Created != 0 || r.Unchanged != 16 || r.ConflictCount != 1 {
		t.Fatalf("second import: %+v", r)
	}
	if k := r.KeptItems[0]; k.Key != used.FeedKey || k.Reason != lectern.FeedReasonKept {
		t.Errorf("kept %+v", k)
	}
	if _, err := b.events.FindEventByID(b.ctx, gone.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("removed event: %v", err)
	}
	if e, err := b.events.FindEventByID(b.ctx, used.ID); err != nil || e.UsedAt.IsZero() {
		t.Errorf("used event: %+v, %v", e, err)
	}
	if e := b.event(t, "ADE60456e7369746532303235-2026-conseil"); e.Title != "Conseil de département (salle 2)" {
		t.Errorf("changed title %q", e.Title)
	}
	if e, err := b.events.FindEventByID(b.ctx, hand.ID); err != nil || e.Title != "Réservation" || e.FeedID != nil {
		t.Errorf("hand-made event: %+v, %v", e, err)
	}
	stored, _ := b.feeds.FindFeedByID(b.ctx, f.ID)
	if stored.LastReport == nil || stored.LastReport.Kept != 1 || !stored.LastImportAt.Equal(now) || stored.LastError != "" {
		t.Errorf("stored feed %+v", stored)
	}
}

// TestImportOtherFeedConflict holds two feeds of one recorder apart: the
// second's events in the first's slots are reported, not imported, and
// the first's are not touched.
func TestImportOtherFeedConflict(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	one := b.feed(t, &lectern.Feed{Name: "One"})
	two := b.feed(t, &lectern.Feed{Name: "Two", Rule: lectern.FeedRule{Kind: lectern.FeedRuleDescription}})
	if _, err := b.importer.Import(b.ctx, one.ID, b.data); err != nil {
		t.Fatal(err)
	}
	r, err := b.importer.Import(b.ctx, two.ID, b.data)
	if err != nil || r.ConflictCount != 20 || r.Created != 0 {
		t.Fatalf("second feed: %+v, %v", r, err)
	}
	if n, _, _ := b.events.FindEvents(b.ctx, lectern.EventFilter{FeedID: &one.ID}); len(n) != 20 {
		t.Errorf("first feed holds %d events", len(n))
	}
}

// TestImportURL imports a feed served on the loopback, and a feed whose
// address answers something else stores the error and changes nothing.
func TestImportURL(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	body := b.data
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/calendar")
		w.Write(body)
	}))
	defer srv.Close()
	f := b.feed(t, &lectern.Feed{Name: "ADE", URL: srv.URL + "/ade.ics", Rule: lectern.FeedRule{Kind: lectern.FeedRuleAttendee}})
	r, err := b.importer.Import(b.ctx, f.ID, nil)
	if err != nil || r.Created != 20 {
		t.Fatalf("import: %+v, %v", r, err)
	}
	if e := b.event(t, "ADE60456e7369746532303235-2026-physics-TD|2026-01-07T13:00:00Z"); e.OwnerID == nil {
		t.Error("the tutorial's second attendee, a teacher, is not its owner")
	}
	body = []byte("<html>Session expired</html>")
	if _, err := b.importer.Import(b.ctx, f.ID, nil); lectern.ErrorCode(err) != lectern.EINVALID {
		t.Fatalf("HTML answer: %v", err)
	}
	stored, _ := b.feeds.FindFeedByID(b.ctx, f.ID)
	if stored.LastError == "" || stored.LastReport == nil || stored.LastReport.Created != 20 {
		t.Errorf("after a failed import: %+v", stored)
	}
	if n, _, _ := b.events.FindEvents(b.ctx, lectern.EventFilter{FeedID: &f.ID}); len(n) != 20 {
		t.Errorf("a failed import left %d events", len(n))
	}
	// Due: imported by the periodic pass only once its interval passed.
	b.importer.Refresh = time.Hour
	body = b.data
	if n, err := b.importer.ImportDue(b.ctx); err != nil || n != 0 {
		t.Errorf("import due right after an import: %d, %v", n, err)
	}
	b.importer.Now = func() time.Time { return now.Add(2 * time.Hour) }
	if n, err := b.importer.ImportDue(b.ctx); err != nil || n != 1 {
		t.Errorf("import due after the interval: %d, %v", n, err)
	}
}

// TestImportAdopt: with a directory (AdoptFunc, LDAP's Accounts.Adopt), a
// username no account has is looked up there once per import, and the
// account it makes owns the events; an email is never adopted.
func TestImportAdopt(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	users := b.importer.Users
	var asked []string
	b.importer.AdoptFunc = func(ctx context.Context, username string) (*lectern.User, error) {
		asked = append(asked, username)
		if username != "PHYS201" {
			return nil, lectern.Errorf(lectern.ENOTFOUND, "No user is named %q.", username)
		}
		u := &lectern.User{Username: username, IsActive: true}
		return u, users.CreateUser(ctx, u)
	}
	f := b.feed(t, &lectern.Feed{Name: "Codes", Rule: lectern.FeedRule{Kind: lectern.FeedRuleRegexp, Property: "SUMMARY", Pattern: `^L\d (?P<user>[A-Z]+\d+)`}})
	r, err := b.importer.Import(b.ctx, f.ID, b.data)
	if err != nil {
		t.Fatal(err)
	}
	if r.Created != 20 || r.Unmapped != 12 || len(asked) != 2 {
		t.Errorf("report %+v, directory asked %v", r, asked)
	}
	if e := b.event(t, "ADE60456e7369746532303235-2026-physics-TD|2026-01-07T13:00:00Z"); e.OwnerID == nil {
		t.Error("the tutorial has no owner")
	}
}

// TestImportDueTwoNodes: two nodes' periodic passes at once import a due
// feed once (its lease, then its last attempt, keep the other away).
func TestImportDueTwoNodes(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	var fetched atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Write(b.data)
	}))
	defer srv.Close()
	f := b.feed(t, &lectern.Feed{Name: "ADE", URL: srv.URL + "/ade.ics"})
	other := *b.importer
	other.Refresh, b.importer.Refresh = time.Hour, time.Hour
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i, im := range []*lectern.FeedImporter{b.importer, &other} {
		wg.Go(func() {
			n, err := im.ImportDue(b.ctx)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		})
	}
	wg.Wait()
	if counts[0]+counts[1] != 1 || fetched.Load() != 1 {
		t.Errorf("imports %v, fetches %d, want one of each", counts, fetched.Load())
	}
	if n, _, _ := b.events.FindEvents(b.ctx, lectern.EventFilter{FeedID: &f.ID}); len(n) != 20 {
		t.Errorf("%d events", len(n))
	}
}
