package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern"
	"lectern/jobs"
	"lectern/sqldb"
	"lectern/sqldb/pgtest"
)

// TestCLIDBCopy fills a SQLite database through the CLI and the services
// (users, a type, recorders, treatments, a recording, a video with its
// renditions and slides, a queued mail, a session, a single sign-on
// account, group, used ticket and session), copies it with `lectern
// db copy` into a new PostgreSQL database, and checks that the CLI and the
// services read the same there, that ids are not reused, and that a second
// copy into the now full database is refused.
func TestCLIDBCopy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCLI(t)
	c.addUser(t, "alice", "--staff")
	c.addUser(t, "bob")
	typeID := c.addType(t, "Course")
	c.mustRun(t, "ftp-pass\n", "recorder", "add", "--name", "Amphi A", "--ip", "192.0.2.10", "--directory", "amphi-a",
		"--type-id", itoa(typeID), "--manager", "alice", "--login", "amphi-a", "--password-stdin")
	deposit := filepath.Join(c.dataDir, "recorders", "amphi-a", "lecture.mp4")
	if err := os.WriteFile(deposit, []byte("not really a video"), 0o640); err != nil {
		t.Fatal(err)
	}
	c.mustRun(t, "", "recorder", "checkDirectory")
	c.mustRun(t, "", "recorder", "checkDirectory")

	lite := c.open(t)
	enq, err := jobs.NewEnqueuer(jobs.EnqueuerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	// Its transactions enqueue River's jobs, as serve's do: the mail's
	// and the recording's wait in the queue the CLI's openDB migrated.
	liteSvc := newServices(lite, enq, &Config{})
	trs, _, err := liteSvc.treatments.FindTreatments(ctx, lectern.TreatmentFilter{File: &deposit})
	if err != nil || len(trs) != 1 {
		t.Fatalf("treatment of the deposit: %v, %v", trs, err)
	}
	tr := trs[0]
	if _, err := liteSvc.treatments.TransitionTreatment(ctx, tr.ID, tr.State, lectern.TreatmentNotified,
		&lectern.Message{Kind: "new_recording", To: []string{"alice@univ.example"}, Subject: "New recording"}); err != nil {
		t.Fatal(err)
	}
	gone := &lectern.Treatment{File: filepath.Join(c.dataDir, "recorders", "amphi-a", "gone.mp4"), Type: "video", State: lectern.TreatmentToClaim}
	if _, err := liteSvc.treatments.CreateTreatment(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if err := liteSvc.treatments.DeleteTreatment(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	aliceID := userID(t, c, "alice")
	rec := &lectern.Recording{RecorderID: shownRecorder(t, c, "Amphi A").ID, UserID: aliceID, TreatmentID: &tr.ID,
		Title: "Lecture", Type: "video", SourceFile: deposit}
	if err := liteSvc.recordings.CreateRecording(ctx, rec); err != nil {
		t.Fatal(err)
	}
	v := &lectern.Video{Title: "Lecture", OwnerID: aliceID, TypeID: typeID, RecordingID: &rec.ID, IsDraft: true,
		AdditionalOwners: []int64{userID(t, c, "bob")}, DateEvt: "2026-01-02"}
	if err := liteSvc.videos.CreateVideo(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := liteSvc.videos.SetEncoded(ctx, v.ID, &lectern.EncodeResult{Info: lectern.MediaInfo{Duration: 12.5},
		Renditions: []lectern.Rendition{{Name: "360p", Kind: "mp4", Path: "360p.mp4", Width: 640, Height: 360, Size: 1234}}, Thumbnail: "thumb.jpg"}); err != nil {
		t.Fatal(err)
	}
	if err := liteSvc.enrichments.SetEnrichments(ctx, v.ID, []*lectern.Enrichment{{Position: 1, Image: "slides/1.png", Start: 0, End: 5.5}}); err != nil {
		t.Fatal(err)
	}
	agent := &lectern.CaptureAgent{Name: "amphi-a", RecorderID: rec.RecorderID, State: lectern.AgentIdle, Address: "10.0.0.1"}
	if err := liteSvc.agents.SaveAgentState(ctx, agent); err != nil {
		t.Fatal(err)
	}
	if err := liteSvc.agents.SaveAgentConfiguration(ctx, "amphi-a", rec.RecorderID, map[string]string{"capture.device.names": "presenter"}); err != nil {
		t.Fatal(err)
	}
	sessions := sessionStore(lite)
	defer sessions.StopCleanup()
	expiry := time.Now().Add(time.Hour)
	if err := sessions.Commit("tok-alice", []byte("alice's session"), expiry); err != nil {
		t.Fatal(err)
	}
	// Single sign-on: an account from CAS in an auto-synced group, a
	// used ticket and the session it opened, copied as the sessions are.
	faculty := &lectern.Group{Name: "faculty", AutoSync: true}
	if err := liteSvc.groups.CreateGroup(ctx, faculty); err != nil {
		t.Fatal(err)
	}
	carol := &lectern.User{Username: "carol", Email: "carol@univ.example", IsActive: true, IsStaff: true,
		AuthType: lectern.AuthCAS, Affiliation: "faculty", Groups: []int64{faculty.ID}}
	if err := liteSvc.users.CreateUser(ctx, carol); err != nil {
		t.Fatal(err)
	}
	if err := liteSvc.once.UseOnce(ctx, "ST-1-cas", expiry); err != nil {
		t.Fatal(err)
	}
	if err := liteSvc.ssoSessions.RememberSSOSession(ctx, lectern.AuthCAS, "ST-1-cas", "tok-alice", expiry); err != nil {
		t.Fatal(err)
	}

	// River's queue: two jobs unfinished (the recording's waiting, the
	// mail's running when the source stopped), one done (the video's
	// encode). The two are carried over, available, with new ids.
	if err := liteSvc.videos.SetSource(ctx, v.ID, "videos/1/source.mp4"); err != nil {
		t.Fatal(err)
	}
	if _, err := lite.SQL().ExecContext(ctx, `UPDATE river_job SET state = 'completed', finalized_at = CURRENT_TIMESTAMP
		WHERE kind = ?`, lectern.JobEncodeVideo); err != nil {
		t.Fatal(err)
	}
	if _, err := lite.SQL().ExecContext(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = CURRENT_TIMESTAMP
		WHERE kind = ?`, lectern.JobSendMail); err != nil {
		t.Fatal(err)
	}
	liteJobs := jobRows(t, lite, "SELECT kind, json(args) FROM river_job WHERE kind != 'encode_video' ORDER BY kind")
	var lastJob int64
	if err := lite.SQL().QueryRowContext(ctx, "SELECT MAX(id) FROM river_job").Scan(&lastJob); err != nil {
		t.Fatal(err)
	}

	pgURL := pgtest.NewDatabase(t)
	sqlitePath := filepath.Join(c.dataDir, "lectern.db")
	copied := c.mustRun(t, "", "db", "copy", "--from", sqlitePath, "--to", pgURL)
	out := copied.stdout
	for _, want := range []string{"river_job 2", "users                      3", "groups 1", "once_keys 1", "sso_sessions 1", "treatments                 1", "videos                     1",
		"renditions                 1", "enrichments                1", "messages                   1", "sessions                   1",
		"capture_agents 1"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("copy's counts lack %q:\n%s", want, out)
		}
	}

	// The CLI shows the same on PostgreSQL.
	pg := &cli{dataDir: c.dataDir, environ: append(append([]string{}, c.environ...), "LECTERN_DATABASE_URL="+pgURL)}
	for _, args := range [][]string{{"user", "list", "--json"}, {"type", "list", "--json"}, {"recorder", "list", "--json"},
		{"recorder", "show", "Amphi A", "--json"}} {
		if l, p := c.mustRun(t, "", args...).stdout, pg.mustRun(t, "", args...).stdout; l != p {
			t.Errorf("lectern %s differs:\nsqlite:\n%s\npostgres:\n%s", strings.Join(args, " "), l, p)
		}
	}

	// So do the services.
	pdb, err := sqldb.OpenPostgres(ctx, pgURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	pgSvc := newServices(pdb, nil, &Config{})
	same := func(what string, l, p any) {
		t.Helper()
		if diff := cmp.Diff(l, p); diff != "" {
			t.Errorf("%s after the copy (-sqlite +postgres):\n%s", what, diff)
		}
	}
	lt, _, _ := liteSvc.treatments.FindTreatments(ctx, lectern.TreatmentFilter{})
	pt, _, _ := pgSvc.treatments.FindTreatments(ctx, lectern.TreatmentFilter{})
	same("treatments", lt, pt)
	lv, _ := liteSvc.videos.FindVideoByID(ctx, v.ID)
	pv, err := pgSvc.videos.FindVideoByID(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	same("video", lv, pv)
	lr, _ := liteSvc.recordings.FindRecordingByID(ctx, rec.ID)
	pr, _ := pgSvc.recordings.FindRecordingByID(ctx, rec.ID)
	same("recording", lr, pr)
	le, _ := liteSvc.enrichments.FindEnrichments(ctx, v.ID)
	pe, _ := pgSvc.enrichments.FindEnrichments(ctx, v.ID)
	same("enrichments", le, pe)
	lm, _, _ := liteSvc.messages.FindMessages(ctx, lectern.MessageFilter{})
	pm, _, _ := pgSvc.messages.FindMessages(ctx, lectern.MessageFilter{})
	same("messages", lm, pm)
	lca, _ := liteSvc.agents.FindAgents(ctx, nil)
	pca, _ := pgSvc.agents.FindAgents(ctx, nil)
	same("capture agents", lca, pca)
	same("unfinished jobs", liteJobs, jobRows(t, pdb, "SELECT kind, args::text FROM river_job WHERE state = 'available' ORDER BY kind"))
	if n, err := sqldb.UnfinishedJobs(ctx, pdb); err != nil || n != 2 {
		t.Errorf("unfinished jobs on PostgreSQL: %d, %v; want 2", n, err)
	}
	var firstJob int64
	if err := pdb.SQL().QueryRowContext(ctx, "SELECT MIN(id) FROM river_job").Scan(&firstJob); err != nil || firstJob <= lastJob {
		t.Errorf("carried jobs' first id %d (%v), want above the source's %d", firstJob, err, lastJob)
	}
	lc, _ := liteSvc.users.FindUserByUsername(ctx, "carol")
	pc, err := pgSvc.users.FindUserByUsername(ctx, "carol")
	if err != nil {
		t.Fatal(err)
	}
	same("single sign-on account", lc, pc)
	la, _ := liteSvc.users.FindUserByUsername(ctx, "alice")
	pa, _ := pgSvc.users.FindUserByUsername(ctx, "alice")
	same("local account", la, pa)
	liteGroups, _ := liteSvc.groups.FindGroups(ctx)
	pgGroups, _ := pgSvc.groups.FindGroups(ctx)
	same("groups", liteGroups, pgGroups)
	if err := pgSvc.once.UseOnce(ctx, "ST-1-cas", expiry); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Errorf("a ticket used before the copy, used again after: %v; want a conflict", err)
	}
	if tokens, err := pgSvc.ssoSessions.TakeSSOSessions(ctx, lectern.AuthCAS, "ST-1-cas"); err != nil || !cmp.Equal(tokens, []string{"tok-alice"}) {
		t.Errorf("single sign-on sessions after the copy: %v, %v; want tok-alice", tokens, err)
	}
	pgSessions := sessionStore(pdb)
	defer pgSessions.StopCleanup()
	if data, ok, err := pgSessions.Find("tok-alice"); err != nil || !ok || string(data) != "alice's session" {
		t.Errorf("session after the copy: %q %v %v", data, ok, err)
	}

	// The deleted treatment's id is not handed out again.
	next := &lectern.Treatment{File: filepath.Join(c.dataDir, "recorders", "amphi-a", "next.mp4"), Type: "video", State: lectern.TreatmentToClaim}
	if _, err := pgSvc.treatments.CreateTreatment(ctx, next); err != nil || next.ID <= gone.ID {
		t.Errorf("new treatment on PostgreSQL: id %d, %v; want above the deleted %d", next.ID, err, gone.ID)
	}

	// A second copy into the now full database is refused; so are a
	// missing source and a target that is not PostgreSQL.
	c.run(t, "", "db", "copy", "--from", sqlitePath, "--to", pgURL).wantExit(t, 4, "not empty")
	c.run(t, "", "db", "copy", "--from", filepath.Join(c.dataDir, "nope.db"), "--to", pgURL).wantExit(t, 2, "--from", "no database")
	c.run(t, "", "db", "copy", "--from", sqlitePath, "--to", sqlitePath).wantExit(t, 2, "--to")
	if _, err := os.Stat(filepath.Join(c.dataDir, "nope.db")); !os.IsNotExist(err) {
		t.Errorf("a refused copy made %s: %v", "nope.db", err)
	}
}

// jobRows returns the rows of query, each its columns joined by a space,
// with JSON's spaces removed (PostgreSQL's jsonb shows them, SQLite's not).
func jobRows(tb testing.TB, db *sqldb.DB, query string) []string {
	tb.Helper()
	rows, err := db.SQL().Query(query)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var list []string
	for rows.Next() {
		var kind, args string
		if err := rows.Scan(&kind, &args); err != nil {
			tb.Fatal(err)
		}
		list = append(list, kind+" "+strings.ReplaceAll(args, " ", ""))
	}
	return list
}

// shownRecorder returns the recorder the CLI shows under name.
func shownRecorder(tb testing.TB, c *cli, name string) jsonRecorder {
	tb.Helper()
	var r jsonRecorder
	c.mustJSON(tb, &r, "recorder", "show", name, "--json")
	return r
}
