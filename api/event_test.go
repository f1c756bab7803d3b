package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/api"
	"lectern/password"
	"lectern/sqldb"
)

// eventBundle is the API with schedules in TIME_ZONE Europe/Paris: a
// recorder managed by "manager" with "helper" as additional user, one
// managed by "rival", an event owner "owner" and a superuser.
type eventBundle struct {
	*testBundle
	events                                lectern.EventService
	rec, other                            *lectern.Recorder
	manager, helper, owner, rival         string // tokens
	managerID, helperID, ownerID, rivalID int64
}

func setupEvents(t *testing.T) *eventBundle {
	t.Helper()
	b := &eventBundle{testBundle: setup(t)}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	b.events = sqldb.NewEventService(b.db)
	mux := http.NewServeMux()
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	mux.Handle("/api/", checked(t, api.New(api.Deps{
		Users: b.users, Groups: sqldb.NewGroupService(b.db), Types: b.types, Recorders: b.recorders, Tokens: b.tokens,
		Events: b.events, BaseURL: b.srv.URL + "/", Location: paris,
		Logger: slog.New(slog.NewTextHandler(io.MultiWriter(b.log, t.Output()), nil)),
	})))
	for _, u := range []struct {
		name  string
		staff bool
		token *string
		id    *int64
	}{
		{"manager", true, &b.manager, &b.managerID},
		{"helper", true, &b.helper, &b.helperID},
		{"owner", false, &b.owner, &b.ownerID},
		{"rival", true, &b.rival, &b.rivalID},
	} {
		hash, err := password.Hash("secret")
		if err != nil {
			t.Fatal(err)
		}
		user := &lectern.User{Username: u.name, IsStaff: u.staff, IsActive: true, PasswordHash: hash}
		if err := b.users.CreateUser(b.ctx, user); err != nil {
			t.Fatal(err)
		}
		*u.id = user.ID
		if *u.token, err = b.tokens.CreateToken(b.ctx, user.ID); err != nil {
			t.Fatal(err)
		}
	}
	b.rec = b.makeRecorder(t, "Amphi A", "amphi-a", &b.managerID, b.helperID)
	b.other = b.makeRecorder(t, "Amphi B", "amphi-b", &b.rivalID)
	return b
}

func (b *eventBundle) makeRecorder(t *testing.T, name, dir string, manager *int64, helpers ...int64) *lectern.Recorder {
	t.Helper()
	rec := lectern.NewRecorder()
	rec.Name, rec.Directory, rec.AddressIP, rec.TypeID, rec.UserID, rec.AdditionalUsers = name, dir, "10.0.0."+strconv.Itoa(int(dir[len(dir)-1])), b.typeID, manager, helpers
	if err := b.recorders.CreateRecorder(b.ctx, rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

// event books title on rec, owned by owner.
func (b *eventBundle) event(t *testing.T, rec *lectern.Recorder, title, start, end string, owner int64) *lectern.Event {
	t.Helper()
	s, _ := time.Parse(time.RFC3339, start)
	e, _ := time.Parse(time.RFC3339, end)
	ev := &lectern.Event{RecorderID: rec.ID, Title: title, Start: s, End: e, OwnerID: &owner}
	if err := b.events.CreateEvent(b.ctx, ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func eventPath(id int64) string { return "/api/v1/events/" + strconv.FormatInt(id, 10) }

// TestEventAPIWho: each reader lists and reads what the web shows them;
// only superusers and the recorder's manager change it; an event's owner
// and the additional user may read, not write (403); another recorder's
// manager sees nothing (404).
func TestEventAPIWho(t *testing.T) {
	t.Parallel()
	b := setupEvents(t)
	ev := b.event(t, b.rec, "Algebra 1", "2037-12-14T10:00:00+01:00", "2037-12-14T12:00:00+01:00", b.ownerID)
	b.event(t, b.other, "Elsewhere", "2037-12-14T10:00:00+01:00", "2037-12-14T12:00:00+01:00", b.managerID)
	for _, tc := range []struct {
		name, token     string
		listed          int
		get, patch, del int
	}{
		{"superuser", b.super, 2, 200, 200, 0},
		{"manager", b.manager, 2, 200, 200, 0}, // the other recorder's event is theirs
		{"helper", b.helper, 1, 200, 403, 403},
		{"owner", b.owner, 1, 200, 403, 403},
		{"rival", b.rival, 1, 404, 404, 404},
		{"plain user", b.user, 0, 404, 404, 404},
	} {
		var list struct {
			Count   int              `json:"count"`
			Results []map[string]any `json:"results"`
		}
		r := b.do(t, "GET", "/api/v1/events", as(tc.token), nil)
		want(t, r, http.StatusOK)
		r.decode(t, &list)
		if list.Count != tc.listed {
			t.Errorf("%s lists %d events, want %d", tc.name, list.Count, tc.listed)
		}
		if r := b.do(t, "GET", eventPath(ev.ID), as(tc.token), nil); r.status != tc.get {
			t.Errorf("%s: GET %d, want %d", tc.name, r.status, tc.get)
		}
		if tc.del != 0 {
			if r := b.do(t, "PATCH", eventPath(ev.ID), as(tc.token), map[string]any{"title": "By " + tc.name}); r.status != tc.patch {
				t.Errorf("%s: PATCH %d, want %d", tc.name, r.status, tc.patch)
			}
			if r := b.do(t, "DELETE", eventPath(ev.ID), as(tc.token), nil); r.status != tc.del {
				t.Errorf("%s: DELETE %d, want %d", tc.name, r.status, tc.del)
			}
			body := map[string]any{"recorder": b.rec.ID, "title": "New", "start": "2037-12-15T10:00:00+01:00", "end": "2037-12-15T11:00:00+01:00"}
			if r := b.do(t, "POST", "/api/v1/events", as(tc.token), body); r.status != http.StatusForbidden && r.status != http.StatusBadRequest {
				t.Errorf("%s: POST %d, want 403 or 400", tc.name, r.status)
			}
		} else if r := b.do(t, "PATCH", eventPath(ev.ID), as(tc.token), map[string]any{"series": "By " + tc.name}); r.status != tc.patch {
			t.Errorf("%s: PATCH %d, want %d", tc.name, r.status, tc.patch)
		}
	}
	got, err := b.events.FindEventByID(b.ctx, ev.ID)
	if err != nil || got.Title != "Algebra 1" || got.Series != "By manager" {
		t.Errorf("after the sweep: %+v, %v", got, err)
	}
	if _, n, _ := b.events.FindEvents(b.ctx, lectern.EventFilter{}); n != 2 {
		t.Errorf("%d events after the sweep, want 2", n)
	}
	want(t, b.do(t, "GET", "/api/v1/events", "", nil), http.StatusUnauthorized)
}

// TestEventAPIWrite: POST books in any offset and answers in TIME_ZONE,
// the owner being the recorder's manager unless given; an overlap is
// 409 naming the event; read-only fields, bad times, an end before the
// start and a 25-hour event are 400 naming the field; PATCH keeps what
// it is not sent; DELETE removes.
func TestEventAPIWrite(t *testing.T) {
	t.Parallel()
	b := setupEvents(t)
	r := b.do(t, "POST", "/api/v1/events", as(b.manager), map[string]any{"recorder": b.rec.ID, "title": "Algebra 1",
		"start": "2037-12-14T09:00:00Z", "end": "2037-12-14T11:00:00Z", "series": "Maths L1", "additional_owners": []int64{b.helperID}})
	want(t, r, http.StatusCreated)
	created := r.object(t)
	if created["start"] != "2037-12-14T10:00:00+01:00" || created["end"] != "2037-12-14T12:00:00+01:00" ||
		created["owner"] != float64(b.managerID) || created["uid"] == "" || created["editable"] != true {
		t.Errorf("created: %v", created)
	}
	id := int64(created["id"].(float64))
	if !strings.HasSuffix(r.header.Get("Location"), eventPath(id)) {
		t.Errorf("Location %q", r.header.Get("Location"))
	}

	// An overlap: 409 with the event in the way; nothing saved.
	r = b.do(t, "POST", "/api/v1/events", as(b.manager), map[string]any{"recorder": b.rec.ID, "title": "Algebra 2",
		"start": "2037-12-14T11:30:00+01:00", "end": "2037-12-14T12:30:00+01:00", "owner": b.ownerID})
	want(t, r, http.StatusConflict)
	if !strings.Contains(string(r.body), `"detail":"Overlaps “Algebra 1” (Mon 14 Dec 2037 10:00–12:00 +01:00)."`) {
		t.Errorf("409 does not name the event: %s", r.body)
	}

	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"read-only uid", map[string]any{"uid": "mine"}, "uid"},
		{"read-only used_at", map[string]any{"used_at": "2037-12-14T10:00:00Z"}, "used_at"},
		{"no offset", map[string]any{"start": "2037-12-14T10:00:00"}, "start"},
		{"bad date", map[string]any{"end": "14/12/2037 12:00"}, "end"},
		{"end before start", map[string]any{"end": "2037-12-14T08:00:00+01:00"}, "end"},
		{"25 hours", map[string]any{"end": "2037-12-15T11:00:01+01:00"}, "end"},
		{"oversized title", map[string]any{"title": strings.Repeat("é", lectern.EventTitleMax+1)}, "title"},
		{"empty title", map[string]any{"title": " "}, "title"},
	} {
		r := b.do(t, "PATCH", eventPath(id), as(b.manager), tc.body)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400: %s", tc.name, r.status, r.body)
			continue
		}
		if f := r.fields(t); f[tc.field] == "" {
			t.Errorf("%s: no message for %q: %s", tc.name, tc.field, r.body)
		}
	}
	want(t, b.do(t, "POST", "/api/v1/events", as(b.manager), map[string]any{"title": "x", "start": "2037-12-16T10:00:00Z", "end": "2037-12-16T11:00:00Z"}), http.StatusBadRequest)
	want(t, b.do(t, "POST", "/api/v1/events", as(b.manager), map[string]any{"recorder": b.other.ID, "title": "x", "start": "2037-12-16T10:00:00Z", "end": "2037-12-16T11:00:00Z"}), http.StatusBadRequest)

	// PATCH keeps what it is not sent.
	r = b.do(t, "PATCH", eventPath(id), as(b.manager), map[string]any{"title": "Algebra 1b", "start": "2037-12-14T09:30:00+01:00"})
	want(t, r, http.StatusOK)
	got, err := b.events.FindEventByID(b.ctx, id)
	if err != nil || got.Title != "Algebra 1b" || got.Series != "Maths L1" || got.Start.Hour() != 8 || got.Start.Minute() != 30 ||
		len(got.AdditionalOwners) != 1 || got.UID != created["uid"] {
		t.Errorf("patched: %+v, %v", got, err)
	}

	// Filters: recorder, owner, from, to; a bad one is 400.
	b.event(t, b.rec, "Later", "2037-12-20T10:00:00+01:00", "2037-12-20T11:00:00+01:00", b.ownerID)
	for query, n := range map[string]int{
		"recorder=" + strconv.FormatInt(b.rec.ID, 10):       2,
		"recorder=" + strconv.FormatInt(b.other.ID, 10):     0,
		"owner=" + strconv.FormatInt(b.ownerID, 10):         1,
		"from=2037-12-15T00:00:00%2B01:00":                  1,
		"to=2037-12-15T00:00:00Z":                           1,
		"from=2037-12-14T11:00:00Z&to=2037-12-14T12:00:00Z": 0,
	} {
		var list struct {
			Count int `json:"count"`
		}
		r := b.do(t, "GET", "/api/v1/events?"+query, as(b.manager), nil)
		want(t, r, http.StatusOK)
		r.decode(t, &list)
		if list.Count != n {
			t.Errorf("?%s: %d events, want %d", query, list.Count, n)
		}
	}
	for _, query := range []string{"from=yesterday", "recorder=abc", "owner=-1", "to=2037-12-15"} {
		want(t, b.do(t, "GET", "/api/v1/events?"+query, as(b.manager), nil), http.StatusBadRequest)
	}

	want(t, b.do(t, "DELETE", eventPath(id), as(b.manager), nil), http.StatusNoContent)
	want(t, b.do(t, "GET", eventPath(id), as(b.manager), nil), http.StatusNotFound)
	want(t, b.do(t, "GET", "/api/v1/events/abc", as(b.manager), nil), http.StatusNotFound)
}
