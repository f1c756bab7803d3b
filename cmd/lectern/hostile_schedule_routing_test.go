package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern/sqldb"
)

// TestHostileScheduleRouting attacks routing by schedule through a real
// serve: a deposit recorded in prof's event on Amphi A (managed by
// manager, helped by helper) is prof's.
//
// The decision: the recorder's manager may publish it only for its
// owner (ALLOW_RECORDER_MANAGER_CHOICE_VID_OWNER, on by default, lets them
// publish for others; here the owner is fixed), never take it; the
// recorder's additional users may not publish it; nobody but prof and
// the superusers may delete it. A file whose modification time is forged
// far in the past matches no event. (An ingest naming another
// recorder's event is refused by the intake, TestIntakeScheduleByEventUID;
// the capture-agent edge sends it.)
func TestHostileScheduleRouting(t *testing.T) {
	t.Parallel()
	site := newScheduleSite(t)
	ctx := context.Background()
	site.c.addUser(t, "helper", "--staff")
	helper := userID(t, site.c, "helper")
	recs := sqldb.NewRecorderService(site.db)
	site.recA.AdditionalUsers = []int64{helper}
	if err := recs.UpdateRecorder(ctx, site.recA); err != nil {
		t.Fatal(err)
	}
	h := &hostile{t: t, s: site.s, c: site.c, db: site.db.SQL()}
	now := time.Now().UTC().Truncate(time.Minute)
	site.event(t, site.recA, "Algebra 1", now.Add(-30*time.Minute), now.Add(30*time.Minute), &site.prof)

	site.ftpClip(t, site.recA, "algebra.mp4")
	site.mailTo(t, "prof@univ.example", "New recording added")
	var tid int64
	var file string
	if err := h.db.QueryRow("SELECT id, file FROM treatments WHERE event_id IS NOT NULL").Scan(&tid, &file); err != nil {
		t.Fatalf("the deposit was not routed by the event: %v", err)
	}
	addForm := site.s.url + "/record/add_recording/?" + url.Values{"mediapath": {file}, "recorder": {itoa(site.recA.ID)}}.Encode()

	t.Run("the recorder's helper cannot publish the owner's deposit", func(t *testing.T) {
		br := h.login("helper")
		before := h.snapshot()
		resp, body := br.do(http.MethodGet, addForm, nil)
		h.refused(t, "helper's add form", resp.StatusCode, body, http.StatusForbidden)
		_, dash := br.do(http.MethodGet, site.s.url+"/", nil)
		token := csrfToken(t, dash)
		resp, body = br.do(http.MethodPost, addForm, url.Values{"csrf_token": {token}, "title": {"Mine"}, "source_file": {file}})
		h.refused(t, "helper's publication", resp.StatusCode, body, http.StatusForbidden)
		br.do(http.MethodPost, site.s.url+"/record/waiting/publish/", url.Values{"csrf_token": {token}, "id": {itoa(tid)}})
		h.unchanged(t, before)
	})

	t.Run("the recorder's manager cannot delete the owner's deposit", func(t *testing.T) {
		br := h.login("manager")
		before := h.snapshot()
		if _, dash := br.do(http.MethodGet, site.s.url+"/", nil); strings.Contains(dash, "algebra.mp4") {
			t.Errorf("the manager's dashboard lists prof's deposit as waiting for them")
		}
		resp, page := br.do(http.MethodGet, addForm, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("the manager's add form: %d", resp.StatusCode)
		}
		if strings.Contains(page, `name="delete"`) || strings.Contains(page, `name="user"`) {
			t.Errorf("the manager's form offers to delete the deposit or to choose its owner")
		}
		token := csrfToken(t, page)
		resp, body := br.do(http.MethodPost, addForm, url.Values{"csrf_token": {token}, "delete": {"on"}, "source_file": {file}})
		h.refused(t, "manager's delete", resp.StatusCode, body, http.StatusForbidden)
		br.do(http.MethodPost, site.s.url+"/record/waiting/delete/", url.Values{"csrf_token": {token}, "id": {itoa(tid)}, "confirm": {"on"}})
		h.unchanged(t, before)
	})

	t.Run("the recorder's manager publishes for the owner, never for themselves", func(t *testing.T) {
		br := h.login("manager")
		_, page := br.do(http.MethodGet, addForm, nil)
		resp, body := br.do(http.MethodPost, addForm, url.Values{"csrf_token": {csrfToken(t, page)}, "title": {"Taken"},
			"source_file": {file}, "user": {"manager"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("the manager's publication: %d\n%.600s", resp.StatusCode, body)
		}
		var owner int64
		if err := h.db.QueryRow("SELECT user_id FROM recordings WHERE treatment_id = ?", tid).Scan(&owner); err != nil {
			t.Fatal(err)
		}
		if owner != site.prof {
			t.Errorf("the manager took prof's deposit: the recording is user %d's, want prof %d", owner, site.prof)
		}
	})

	t.Run("a modification time forged far in the past matches no event", func(t *testing.T) {
		// Dated long before any event: it is nobody's event's, though
		// prof's "Algebra 1" is on now. Written under a hidden name (the
		// intake ignores those), dated, then named: the watcher finds it.
		dir := filepath.Join(site.c.dataDir, "recorders", "amphi-a")
		src, dst := filepath.Join(dir, ".forged.mp4"), filepath.Join(dir, "forged.mp4")
		if err := os.WriteFile(src, []byte(strings.Repeat("x", 5000)), 0o640); err != nil {
			t.Fatal(err)
		}
		forged := time.Date(1999, 3, 1, 10, 0, 0, 0, time.UTC)
		if err := os.Chtimes(src, forged, forged); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(src, dst); err != nil {
			t.Fatal(err)
		}
		var eventID *int64
		var state string
		waitRow(t, site.s, h.db, 30*time.Second, "SELECT event_id, state FROM treatments WHERE file = ?", []any{dst}, &eventID, &state)
		if eventID != nil {
			t.Errorf("a forged modification time routed the deposit by event %d", *eventID)
		}
		site.mailTo(t, "manager@univ.example", "New recording added")
	})
}
