package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lectern"
	"lectern/sqldb"
)

// accessBundle holds one treatment, recording and recording file in each
// of two recorders: room0, managed by "mgr" (FTP login, salt), and room1,
// where "helper" is an additional user. b.staff manages nothing.
type accessBundle struct {
	*depositBundle
	mgr, helper string                // tokens
	deposits    [2]*lectern.Treatment // a lone deposit of each recorder
	recordings  [2]*lectern.Recording
	files       [2]*lectern.RecordingFile
	noRecorder  *lectern.Treatment // a deposit no recorder claims
}

func setupAccess(t *testing.T) *accessBundle {
	t.Helper()
	b := &accessBundle{depositBundle: setupDeposits(t)}
	var ids [2]int64
	for i, tok := range []*string{&b.mgr, &b.helper} {
		u := &lectern.User{Username: []string{"mgr", "helper"}[i], IsStaff: true, IsActive: true}
		if err := b.users.CreateUser(b.ctx, u); err != nil {
			t.Fatal(err)
		}
		var err error
		if *tok, err = b.tokens.CreateToken(b.ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		ids[i] = u.ID
	}
	b.recs[0].UserID, b.recs[0].CredentialsLogin, b.recs[0].CredentialsPasswordHash, b.recs[0].Salt = &ids[0], "room0ftp", "$2a$hash", "s3cret"
	b.recs[1].AdditionalUsers = []int64{ids[1]}
	for _, rec := range b.recs {
		if err := b.recorders.UpdateRecorder(b.ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	recordings := sqldb.NewRecordingService(b.db, nil)
	for i, rec := range b.recs {
		b.deposits[i] = b.treatment(t, 10+i, rec, lectern.TreatmentNotified)
		b.recordings[i] = b.recording(t, 20+i, rec, ids[i])
		if err := recordings.AppendRecordingLog(b.ctx, b.recordings[i].ID,
			lectern.NewLogEntry("not_processed", "copy failed: open "+b.recordings[i].SourceFile)); err != nil {
			t.Fatal(err)
		}
		b.files[i] = b.recordingFile(t, 30+i, rec)
	}
	b.noRecorder = &lectern.Treatment{File: b.root + "/lost/found.mp4", FileSize: 1, Type: lectern.RecordingTypeVideo,
		State: lectern.TreatmentReported, DetectedBy: lectern.SourceWatch, DateAdded: base, FirstSeenAt: base, CompletedAt: base, RoutedAt: base}
	if _, err := b.treatments.CreateTreatment(b.ctx, b.noRecorder); err != nil {
		t.Fatal(err)
	}
	return b
}

// listed returns the ids and the "file"/"source_file" values of a list.
func listed(t *testing.T, r response, pathKey string) (ids []int64, paths []string) {
	t.Helper()
	want(t, r, http.StatusOK)
	for _, m := range r.object(t)["results"].([]any) {
		o := m.(map[string]any)
		ids = append(ids, int64(o["id"].(float64)))
		if p, ok := o[pathKey].(string); ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(ids)
	return ids, paths
}

// TestStaffReadOnlyTheirs: each deposit resource shows a superuser
// everything, with absolute paths; a recorder's manager or additional
// user only the rows of that recorder, with paths relative to its
// directory; another staff user nothing. Details of others' rows are 404,
// as for rows that do not exist; so is filtering on another's recorder.
func TestStaffReadOnlyTheirs(t *testing.T) {
	t.Parallel()
	b := setupAccess(t)
	type resource struct {
		path, pathKey string
		ids           [2]int64 // of the row in room0, in room1
		files         [2]string
	}
	var tIDs, rIDs, fIDs [2]int64
	var tFiles, rFiles, fFiles [2]string
	for i := range 2 {
		tIDs[i], tFiles[i] = b.deposits[i].ID, b.deposits[i].File
		rIDs[i], rFiles[i] = b.recordings[i].ID, b.recordings[i].SourceFile
		fIDs[i], fFiles[i] = b.files[i].ID, b.files[i].File
	}
	// recording() and recordingFile() made treatments of their own.
	allTreatments, _, err := b.treatments.FindTreatments(b.ctx, lectern.TreatmentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	resources := []resource{
		{path: "/api/v1/treatments", pathKey: "file", ids: tIDs, files: tFiles},
		{path: "/api/v1/recordings", pathKey: "source_file", ids: rIDs, files: rFiles},
		{path: "/api/v1/recording-files", pathKey: "file", ids: fIDs, files: fFiles},
	}
	for _, res := range resources {
		t.Run(strings.TrimPrefix(res.path, "/api/v1/"), func(t *testing.T) {
			// The superuser: every row, absolute paths.
			ids, paths := listed(t, b.do(t, "GET", res.path+"?page_size=100", as(b.super), nil), res.pathKey)
			wantAll := 2
			if res.path == "/api/v1/treatments" {
				wantAll = len(allTreatments)
			}
			if len(ids) != wantAll {
				t.Errorf("superuser lists %d rows, want %d", len(ids), wantAll)
			}
			for _, p := range paths {
				if !strings.HasPrefix(p, b.root+"/") {
					t.Errorf("superuser sees %q", p)
				}
			}
			for i, tok := range []string{b.mgr, b.helper} {
				mine, other := res.ids[i], res.ids[1-i]
				ids, _ := listed(t, b.do(t, "GET", res.path+"?page_size=100", as(tok), nil), res.pathKey)
				if !slices.Contains(ids, mine) || slices.Contains(ids, other) || slices.Contains(ids, b.noRecorder.ID) {
					t.Errorf("member of room%d lists %v (theirs %d, not %d)", i, ids, mine, other)
				}
				r := b.do(t, "GET", fmt.Sprintf("%s/%d", res.path, mine), as(tok), nil)
				want(t, r, http.StatusOK)
				o := r.object(t)
				if got, wantRel := o[res.pathKey], strings.TrimPrefix(res.files[i], fmt.Sprintf("%s/room%d/", b.root, i)); got != wantRel {
					t.Errorf("member sees %s %v, want %q", res.pathKey, got, wantRel)
				}
				if tr, ok := o["treatment"].(map[string]any); ok && strings.HasPrefix(tr["file"].(string), "/") {
					t.Errorf("member sees the treatment's file %v", tr["file"])
				}
				if c, ok := o["comment"]; ok && c != "" {
					t.Errorf("member sees the recording's log %q", c)
				}
				absent := b.do(t, "GET", fmt.Sprintf("%s/999999", res.path), as(tok), nil)
				r = b.do(t, "GET", fmt.Sprintf("%s/%d", res.path, other), as(tok), nil)
				if r.status != http.StatusNotFound || string(r.body) != string(absent.body) {
					t.Errorf("member of room%d reads another's row: %d %s", i, r.status, r.body)
				}
				// Filtering on another's recorder is filtering on none.
				r = b.do(t, "GET", fmt.Sprintf("%s?recorder=%d", res.path, b.recs[1-i].ID), as(tok), nil)
				absent = b.do(t, "GET", res.path+"?recorder=999999", as(tok), nil)
				if r.status != http.StatusBadRequest || string(r.body) != string(absent.body) {
					t.Errorf("filter on another's recorder: %d %s", r.status, r.body)
				}
				ids, _ = listed(t, b.do(t, "GET", fmt.Sprintf("%s?recorder=%d", res.path, b.recs[i].ID), as(tok), nil), res.pathKey)
				if !slices.Contains(ids, mine) {
					t.Errorf("filter on their recorder: %v", ids)
				}
			}
			// Another staff user: nothing at all.
			r := b.do(t, "GET", res.path, as(b.staff), nil)
			if ids, _ := listed(t, r, res.pathKey); len(ids) != 0 || r.object(t)["count"] != 0.0 {
				t.Errorf("other staff list %s", r.body)
			}
			for _, id := range res.ids {
				want(t, b.do(t, "GET", fmt.Sprintf("%s/%d", res.path, id), as(b.staff), nil), http.StatusNotFound)
			}
		})
	}
	// The deposit of no recorder is the superusers'.
	want(t, b.do(t, "GET", fmt.Sprintf("/api/v1/treatments/%d", b.noRecorder.ID), as(b.super), nil), http.StatusOK)
	want(t, b.do(t, "GET", fmt.Sprintf("/api/v1/treatments/%d", b.noRecorder.ID), as(b.mgr), nil), http.StatusNotFound)
	r := b.do(t, "GET", fmt.Sprintf("/api/v1/recordings/%d", b.recordings[0].ID), as(b.super), nil)
	if c, _ := r.object(t)["comment"].(string); !strings.Contains(c, " Not processed: copy failed: open ") || strings.Contains(c, `"key"`) {
		t.Errorf("superuser's recording log %q, want it as English text", c)
	}
}

// TestStaffReadOnlyTheirRecorders: recorders too; what authenticates a
// recorder (IP, FTP login, notify salt) is for superusers only.
func TestStaffReadOnlyTheirRecorders(t *testing.T) {
	t.Parallel()
	b := setupAccess(t)
	secret := []string{"address_ip", "credentials_login", "salt"}
	r := b.do(t, "GET", "/api/v1/recorders", as(b.super), nil)
	if ids, _ := listed(t, r, ""); len(ids) != 2 {
		t.Errorf("superuser lists %v", ids)
	}
	r = b.do(t, "GET", fmt.Sprintf("/api/v1/recorders/%d", b.recs[0].ID), as(b.super), nil)
	want(t, r, http.StatusOK)
	if o := r.object(t); o["address_ip"] != "10.1.0.1" || o["credentials_login"] != "room0ftp" || o["salt"] != "s3cret" {
		t.Errorf("superuser sees %s", r.body)
	}
	for i, tok := range []string{b.mgr, b.helper} {
		r := b.do(t, "GET", "/api/v1/recorders", as(tok), nil)
		if ids, _ := listed(t, r, ""); len(ids) != 1 || ids[0] != b.recs[i].ID {
			t.Errorf("member of room%d lists %v", i, ids)
		}
		for _, o := range r.object(t)["results"].([]any) {
			for _, k := range secret {
				if _, ok := o.(map[string]any)[k]; ok {
					t.Errorf("member of room%d sees %s in the list: %s", i, k, r.body)
				}
			}
		}
		r = b.do(t, "GET", fmt.Sprintf("/api/v1/recorders/%d", b.recs[i].ID), as(tok), nil)
		want(t, r, http.StatusOK)
		o := r.object(t)
		for _, k := range secret {
			if _, ok := o[k]; ok {
				t.Errorf("member of room%d sees %s: %s", i, k, r.body)
			}
		}
		if o["directory"] != b.recs[i].Directory || o["name"] != b.recs[i].Name {
			t.Errorf("member of room%d: %s", i, r.body)
		}
		absent := b.do(t, "GET", "/api/v1/recorders/999999", as(tok), nil)
		r = b.do(t, "GET", fmt.Sprintf("/api/v1/recorders/%d", b.recs[1-i].ID), as(tok), nil)
		if r.status != http.StatusNotFound || string(r.body) != string(absent.body) {
			t.Errorf("member of room%d reads another recorder: %d %s", i, r.status, r.body)
		}
	}
	r = b.do(t, "GET", "/api/v1/recorders", as(b.staff), nil)
	if ids, _ := listed(t, r, ""); len(ids) != 0 {
		t.Errorf("other staff list %v", ids)
	}
	for _, rec := range b.recs {
		want(t, b.do(t, "GET", fmt.Sprintf("/api/v1/recorders/%d", rec.ID), as(b.staff), nil), http.StatusNotFound)
	}
}

// TestStaffSearchNotByIP: staff search their recorders by name, directory
// and description, never by the IP they do not see.
func TestStaffSearchNotByIP(t *testing.T) {
	t.Parallel()
	b := setupAccess(t)
	count := func(token, q string) float64 {
		t.Helper()
		r := b.do(t, "GET", "/api/v1/recorders?search="+q, as(token), nil)
		want(t, r, http.StatusOK)
		return r.object(t)["count"].(float64)
	}
	if n := count(b.super, "10.1.0.1"); n != 1 {
		t.Errorf("superuser finds %v recorders by IP", n)
	}
	for q, n := range map[string]float64{"10.1.0.1": 0, "10.1": 0, "room": 1, "ROOM0": 1, "room1": 0, "": 1} {
		if got := count(b.mgr, q); got != n {
			t.Errorf("manager searching %q finds %v recorders, want %v", q, got, n)
		}
	}
}

// TestStaffSearchNotByHostPath: staff search their deposits' paths below
// DEFAULT_RECORDER_PATH, never the host's folders above it.
func TestStaffSearchNotByHostPath(t *testing.T) {
	t.Parallel()
	b := setupAccess(t)
	count := func(token, q string) float64 {
		t.Helper()
		r := b.do(t, "GET", "/api/v1/treatments?search="+url.QueryEscape(q), as(token), nil)
		want(t, r, http.StatusOK)
		return r.object(t)["count"].(float64)
	}
	hostPart := filepath.Base(b.root) // a folder of the host's, above the recorders'
	if n := count(b.super, hostPart); n == 0 {
		t.Fatalf("superuser finds nothing under %q", hostPart)
	}
	for q, n := range map[string]float64{hostPart: 0, b.root: 0, "/room0/": 0, "room0/lecture1": 1, "lecture10": 1, "lecture11": 0} {
		if got := count(b.mgr, q); got != n {
			t.Errorf("manager searching %q finds %v treatments, want %v", q, got, n)
		}
	}
}
