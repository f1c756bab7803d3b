package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

// TestHostileSchedules is issue 15's sweep of schedules by hand, on the
// web and through the API, against a real serve: only superusers and a
// recorder's manager book, change and delete its events
// (lectern.Recorder.ScheduleAccess); its additional users and an event's
// owners only look; the forms need their CSRF token; bad times, an end
// before the start, a 25-hour event and oversized fields are a clear 400
// naming the field; an overlap is refused (the API's 409). Every refusal
// leaves the events, their owners and every other row as they were.
func TestHostileSchedules(t *testing.T) {
	t.Parallel()
	site := newTwoRecorders(t)
	c, s, h := site.c, site.s, site.h
	c.addUser(t, "helper", "--staff") // Amphi A's additional user
	c.addUser(t, "owner")             // owns the event, manages nothing
	db := c.open(t)
	recorders, events := sqldb.NewRecorderService(db), sqldb.NewEventService(db)
	recA, recB := site.recIDs["Amphi A"], site.recIDs["Amphi B"]
	a, err := recorders.FindRecorderByID(t.Context(), recA)
	if err != nil {
		t.Fatal(err)
	}
	a.AdditionalUsers = []int64{userID(t, c, "helper")}
	if err := recorders.UpdateRecorder(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	ownerID := userID(t, c, "owner")
	start := time.Date(2037, 12, 14, 10, 0, 0, 0, time.UTC)
	ev := &lectern.Event{RecorderID: recA, Title: "Algebra 1", Start: start, End: start.Add(2 * time.Hour), OwnerID: &ownerID}
	if err := events.CreateEvent(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	// stored is every event as stored, owners included: a refused
	// request leaves them as they were, which the row counts miss.
	stored := func() string {
		list, _, err := events.FindEvents(t.Context(), lectern.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(list)
		return string(b)
	}
	token := func(username string) string {
		return strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", username).stdout)
	}
	mgrTok, helperTok, ownerTok, otherTok := token("mgr"), token("helper"), token("owner"), token("other")
	mgr, helper, owner, other, pleb := h.login("mgr"), h.login("helper"), h.login("owner"), h.login("other"), h.login("pleb")
	add := fmt.Sprintf("%s/recorders/%d/schedule/add/", s.url, recA)
	edit := fmt.Sprintf("%s/schedule/events/%d/edit/", s.url, ev.ID)
	del := fmt.Sprintf("%s/schedule/events/%d/delete/", s.url, ev.ID)
	// form is a booking of Tuesday 10:00–11:00 with b's CSRF token.
	form := func(b *browser, title string) url.Values {
		_, page := b.do(http.MethodGet, s.url+"/schedule/", nil)
		return url.Values{"csrf_token": {csrfToken(t, page)}, "title": {title}, "date": {"2037-12-15"}, "start": {"10:00"},
			"end": {"11:00"}, "owner": {"owner"}}
	}
	post := func(b *browser, target string, f url.Values) (int, string) {
		resp, body := b.do(http.MethodPost, target, f)
		return resp.StatusCode, body
	}
	// badForm posts the manager's booking changed by edit, and wants its
	// 400 to name field.
	badForm := func(field string, edit func(url.Values)) func() (int, string) {
		return func() (int, string) {
			f := form(mgr, "Algebra 2")
			edit(f)
			st, body := post(mgr, add, f)
			if !strings.Contains(body, `id="error-`+field+`"`) {
				t.Errorf("the form does not name %s", field)
			}
			return st, body
		}
	}
	apiCall := func(method, path, tok string, body any) (int, string) {
		var data []byte
		if s, ok := body.(string); ok {
			data = []byte(s)
		} else if body != nil {
			data, _ = json.Marshal(body)
		}
		req, _ := http.NewRequest(method, s.url+path, bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/json")
		if tok != "" {
			req.Header.Set("Authorization", "Token "+tok)
		}
		st, text, _ := h.send(req)
		return st, text
	}
	evAPI := fmt.Sprintf("/api/v1/events/%d", ev.ID)
	booking := func(title, from, to string) map[string]any {
		return map[string]any{"recorder": recA, "title": title, "start": from, "end": to}
	}

	rows := []struct {
		name string
		do   func() (int, string)
		want []int
	}{
		{"another recorder's manager posts the event's edit form", func() (int, string) {
			return post(other, edit, form(other, "Taken over"))
		}, []int{http.StatusNotFound}},
		{"another recorder's manager posts its add form", func() (int, string) {
			return post(other, add, form(other, "Squatting"))
		}, []int{http.StatusForbidden}},
		{"another recorder's manager opens its week view", func() (int, string) {
			resp, body := other.do(http.MethodGet, fmt.Sprintf("%s/recorders/%d/schedule/", s.url, recA), nil)
			return resp.StatusCode, body
		}, []int{http.StatusForbidden}},
		{"the additional user posts the add form", func() (int, string) {
			return post(helper, add, form(helper, "Helping"))
		}, []int{http.StatusForbidden}},
		{"the additional user posts the edit form", func() (int, string) {
			return post(helper, edit, form(helper, "Helping"))
		}, []int{http.StatusForbidden}},
		{"the additional user posts the delete form", func() (int, string) {
			return post(helper, del, form(helper, ""))
		}, []int{http.StatusForbidden}},
		{"the event's owner posts its edit form", func() (int, string) {
			return post(owner, edit, form(owner, "Mine now"))
		}, []int{http.StatusForbidden}},
		{"a plain user posts the delete form", func() (int, string) {
			return post(pleb, del, form(pleb, ""))
		}, []int{http.StatusNotFound}},
		{"the manager's edit form without its CSRF token", func() (int, string) {
			f := form(mgr, "Forged")
			f.Del("csrf_token")
			return post(mgr, edit, f)
		}, []int{http.StatusForbidden}},
		{"the manager's delete form with another session's CSRF token", func() (int, string) {
			return post(mgr, del, form(pleb, ""))
		}, []int{http.StatusForbidden}},
		{"the manager books 30 February", badForm("date", func(f url.Values) { f.Set("date", "2037-02-30") }), []int{http.StatusBadRequest}},
		{"the manager books a date with a path in it", badForm("date", func(f url.Values) { f.Set("date", "../../2037-12-15") }), []int{http.StatusBadRequest}},
		{"the manager books an end before the start", badForm("end", func(f url.Values) { f.Set("end", "09:00") }), []int{http.StatusBadRequest}},
		{"the manager books 25 hours", badForm("duration", func(f url.Values) { f.Set("duration", "25:00") }), []int{http.StatusBadRequest}},
		{"the manager books a 251-character title", badForm("title", func(f url.Values) { f.Set("title", strings.Repeat("é", 251)) }), []int{http.StatusBadRequest}},
		{"the manager books over Algebra 1", func() (int, string) {
			f := form(mgr, "Algebra 2")
			f.Set("date", "2037-12-14")
			st, body := post(mgr, add, f)
			if !strings.Contains(body, "Overlaps “Algebra 1”, Mon 14 Dec 10:00–12:00.") {
				t.Errorf("the overlap does not name Algebra 1")
			}
			return st, body
		}, []int{http.StatusBadRequest}},
		{"the manager's form with 300 KiB of description", func() (int, string) {
			f := form(mgr, "Algebra 2")
			f.Set("description", strings.Repeat("é", 150<<10))
			return post(mgr, add, f)
		}, []int{http.StatusRequestEntityTooLarge}},
		{"the week view of a week with a path in it", func() (int, string) {
			resp, body := mgr.do(http.MethodGet, fmt.Sprintf("%s/recorders/%d/schedule/?week=..%%2f..%%2fetc", s.url, recA), nil)
			return resp.StatusCode, body
		}, []int{http.StatusBadRequest}},
		{"the people search for the event's owners by the additional user", func() (int, string) {
			resp, body := helper.do(http.MethodGet, fmt.Sprintf("%s/people/search.json?schedule=%d&q=ow", s.url, recA), nil)
			return resp.StatusCode, body
		}, []int{http.StatusForbidden}},
		{"API POST over Algebra 1", func() (int, string) {
			st, body := apiCall(http.MethodPost, "/api/v1/events", mgrTok, booking("Algebra 2", "2037-12-14T11:00:00Z", "2037-12-14T13:00:00Z"))
			if !strings.Contains(body, "Overlaps “Algebra 1”") {
				t.Errorf("the 409 does not name Algebra 1")
			}
			return st, body
		}, []int{http.StatusConflict}},
		{"API POST with the end before the start", func() (int, string) {
			return apiCall(http.MethodPost, "/api/v1/events", mgrTok, booking("Backwards", "2037-12-15T11:00:00Z", "2037-12-15T10:00:00Z"))
		}, []int{http.StatusBadRequest}},
		{"API POST of 25 hours", func() (int, string) {
			return apiCall(http.MethodPost, "/api/v1/events", mgrTok, booking("Long", "2037-12-15T10:00:00Z", "2037-12-16T11:00:00Z"))
		}, []int{http.StatusBadRequest}},
		{"API POST with a time without offset", func() (int, string) {
			return apiCall(http.MethodPost, "/api/v1/events", mgrTok, booking("Local", "2037-12-15T10:00:00", "2037-12-15T11:00:00Z"))
		}, []int{http.StatusBadRequest}},
		{"API POST on another's recorder", func() (int, string) {
			b := booking("Squatting", "2037-12-15T10:00:00Z", "2037-12-15T11:00:00Z")
			b["recorder"] = recB
			return apiCall(http.MethodPost, "/api/v1/events", mgrTok, b)
		}, []int{http.StatusBadRequest}},
		{"API POST by the event's owner", func() (int, string) {
			return apiCall(http.MethodPost, "/api/v1/events", ownerTok, booking("Mine", "2037-12-15T10:00:00Z", "2037-12-15T11:00:00Z"))
		}, []int{http.StatusBadRequest}},
		{"API PATCH by the additional user", func() (int, string) {
			return apiCall(http.MethodPatch, evAPI, helperTok, map[string]any{"title": "Helping"})
		}, []int{http.StatusForbidden}},
		{"API PATCH by the event's owner", func() (int, string) {
			return apiCall(http.MethodPatch, evAPI, ownerTok, map[string]any{"title": "Mine now"})
		}, []int{http.StatusForbidden}},
		{"API DELETE by another recorder's manager", func() (int, string) { return apiCall(http.MethodDelete, evAPI, otherTok, nil) },
			[]int{http.StatusNotFound}},
		{"API PATCH of the read-only uid", func() (int, string) {
			return apiCall(http.MethodPatch, evAPI, mgrTok, map[string]any{"uid": "stolen", "title": "Renamed"})
		}, []int{http.StatusBadRequest}},
		{"API PATCH moving it to another's recorder", func() (int, string) {
			return apiCall(http.MethodPatch, evAPI, mgrTok, map[string]any{"recorder": recB})
		}, []int{http.StatusBadRequest}},
		{"API PATCH with a 10001-character description", func() (int, string) {
			return apiCall(http.MethodPatch, evAPI, mgrTok, map[string]any{"description": strings.Repeat("a", 10001)})
		}, []int{http.StatusBadRequest}},
		{"API PATCH with a NUL byte in the title", func() (int, string) {
			return apiCall(http.MethodPatch, evAPI, mgrTok, map[string]any{"title": "a\x00b"})
		}, []int{http.StatusBadRequest}},
		{"API list with a bad from", func() (int, string) {
			return apiCall(http.MethodGet, "/api/v1/events?from=yesterday", mgrTok, nil)
		}, []int{http.StatusBadRequest}},
		{"API PATCH without a token", func() (int, string) { return apiCall(http.MethodPatch, evAPI, "", map[string]any{"title": "x"}) },
			[]int{http.StatusUnauthorized}},
		{"API DELETE of a path that escapes", func() (int, string) {
			return apiCall(http.MethodDelete, "/api/v1/events/..%2f1", mgrTok, nil)
		}, []int{http.StatusNotFound}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			before, events := h.snapshot(), stored()
			st, body := r.do()
			h.refused(t, r.name, st, body, r.want...)
			h.unchanged(t, before)
			if after := stored(); after != events {
				t.Errorf("the events changed:\n%s\nwere\n%s", after, events)
			}
		})
	}

	// A title <script> saved by the manager is shown escaped in the week
	// view, the list, the owner's "Schedules" and the delete page.
	f := form(mgr, "<script>alert(1)</script>")
	if st, _ := post(mgr, add, f); st != http.StatusOK {
		t.Fatalf("the manager's booking: %d", st)
	}
	noScript(t, "the week view", h.page(mgr, fmt.Sprintf("/recorders/%d/schedule/?week=2037-12-14", recA)))
	noScript(t, "the list", h.page(mgr, fmt.Sprintf("/recorders/%d/schedule/list/", recA)))
	noScript(t, "Schedules", h.page(owner, "/schedule/"))
	list, _, _ := events.FindEvents(t.Context(), lectern.EventFilter{})
	noScript(t, "the delete page", h.page(mgr, fmt.Sprintf("/schedule/events/%d/delete/", list[len(list)-1].ID)))
}
