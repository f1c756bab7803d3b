package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/ffmpeg"
	"lectern/sqldb"
)

// failedJobs makes real jobs with real errors: a worker processes a
// recording whose source is missing (its job cancelled, its video in
// error without a source) and one whose source is not media (processed,
// as a file replaced after its check is (lateCheck); its encode
// cancelled by ffmpeg's refusal, its video in error with its source
// kept). It returns the two recordings, once every job has
// finished and the worker has stopped.
func (b *testBundle) failedJobs(owner *lectern.User) (missing, garbage *lectern.Recording) {
	b.tb.Helper()
	ctx := context.Background()
	course := b.videoType("Course")
	rec := b.recorder("Amphi", "10.9.0.1", "amphi", course.ID)
	missing = &lectern.Recording{RecorderID: rec.ID, UserID: owner.ID, Title: "Missing source", Type: "video",
		SourceFile: b.root + "/amphi/missing.mp4"}
	garbage = &lectern.Recording{RecorderID: rec.ID, UserID: owner.ID, Title: "Not <media>", Type: "video",
		SourceFile: b.deposit("amphi/garbage.mp4", "this is no video")}
	for _, r := range []*lectern.Recording{missing, garbage} {
		if err := b.recordings.CreateRecording(ctx, r); err != nil {
			b.tb.Fatal(err)
		}
	}
	logger := slog.New(slog.NewTextHandler(b.tb.Output(), nil))
	worker := b.jobClientWith("web-test-worker", logger, lateCheck{&ffmpeg.Runner{Preset: "ultrafast", Logger: logger}})
	if err := worker.Start(ctx); err != nil {
		b.tb.Fatal(err)
	}
	for _, r := range []*lectern.Recording{missing, garbage} {
		if err := worker.EnqueueRecording(ctx, r.ID); err != nil {
			b.tb.Fatal(err)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		list, total, err := b.jobs.FindJobs(ctx, lectern.JobFilter{})
		if err != nil {
			b.tb.Fatal(err)
		}
		active := 0
		for _, j := range list {
			if j.Active() {
				active++
			}
		}
		if total == 3 && active == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.tb.Fatalf("jobs did not finish: %d jobs, %d active", total, active)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := worker.Stop(); err != nil {
		b.tb.Fatal(err)
	}
	return missing, garbage
}

// job finds the only job of kind about recording or video id.
func (b *testBundle) job(kind string, recording, video *int64) *lectern.Job {
	b.tb.Helper()
	list, total, err := b.jobs.FindJobs(context.Background(), lectern.JobFilter{Kind: &kind, RecordingID: recording, VideoID: video})
	if err != nil || total != 1 {
		b.tb.Fatalf("FindJobs(%s) = %d jobs, %v", kind, total, err)
	}
	return list[0]
}

// jobState reads a job's state again.
func (b *testBundle) jobState(id int64) string {
	b.tb.Helper()
	j, err := b.jobs.FindJobByID(context.Background(), id)
	if err != nil {
		b.tb.Fatal(err)
	}
	return j.State
}

// videoOf finds the video made from recording id.
func (b *testBundle) videoOf(id int64) *lectern.Video {
	b.tb.Helper()
	list, _, err := b.videos.FindVideos(context.Background(), lectern.VideoFilter{RecordingID: &id})
	if err != nil || len(list) != 1 {
		b.tb.Fatalf("videos of recording %d: %d, %v", id, len(list), err)
	}
	return list[0]
}

func TestAdminJobs(t *testing.T) {
	t.Parallel()
	b := setupJobs(t)
	ctx := context.Background()
	b.user("root", true, true)
	owner := b.manager("mgr")
	missing, garbage := b.failedJobs(owner)
	garbageVideo := b.videoOf(garbage.ID)
	process := b.job(lectern.JobProcessRecording, &missing.ID, nil)
	encode := b.job(lectern.JobEncodeVideo, nil, &garbageVideo.ID)
	if process.State != lectern.JobCancelled || len(process.Errors) != 1 || encode.State != lectern.JobCancelled ||
		len(encode.Errors) != 1 || garbageVideo.EncodingState != lectern.EncodingError {
		t.Fatalf("process job %+v\nencode job %+v\nvideo %+v", process, encode, garbageVideo)
	}
	// 21 more jobs wait (no worker runs): the list has two pages.
	for i := int64(1); i <= 21; i++ {
		if err := b.jobs.EnqueueRecording(ctx, 1000+i); err != nil {
			t.Fatal(err)
		}
	}

	// Superusers only.
	want(t, b.client().get("/admin/jobs/"), http.StatusFound)
	staff := b.visitor("mgr")
	want(t, staff.get("/admin/jobs/"), http.StatusForbidden)
	want(t, staff.get(fmt.Sprintf("/admin/jobs/%d/", encode.ID)), http.StatusForbidden)
	want(t, staff.post(fmt.Sprintf("/admin/jobs/%d/retry/", encode.ID), nil), http.StatusForbidden)
	if strings.Contains(staff.get("/").body, `href="/admin/jobs/"`) {
		t.Error("staff see the jobs link")
	}

	c := b.visitor("root")
	res := c.get("/admin/")
	wantBody(t, res, `href="/admin/jobs/"`, "24 jobs")
	res = c.get("/admin/jobs/")
	want(t, res, http.StatusOK)
	wantBody(t, res, "24 jobs", `<select id="id_kind" name="kind">`, `<option value="encode_video">Encode video</option>`,
		`<option value="cancelled">Cancelled</option>`, `href="/admin/jobs/?page=2"`, "Process recording", "Recording #1021",
		`<a href="/admin/jobs/" aria-current="page">Jobs</a>`)
	if n := strings.Count(res.body, `class="job-id"`); n != 20 {
		t.Errorf("page 1 shows %d jobs, want 20", n)
	}
	wantOrder(t, res, "Recording #1021", "Recording #1002")
	res = c.get("/admin/jobs/?page=2")
	wantBody(t, res, "Recording #1001", fmt.Sprintf(`href="/admin/recordings/%d/">Recording #%d</a> <span class="muted">· Missing source</span>`,
		missing.ID, missing.ID), fmt.Sprintf(`href="/video/%d/">Video #%d</a> <span class="muted">· Not &lt;media&gt;</span>`,
		garbageVideo.ID, garbageVideo.ID), "Encode video", "Cancelled", "Completed")
	for query, n := range map[string]int{
		"kind=encode_video":              1,
		"kind=process_recording":         23,
		"state=cancelled":                2,
		"state=completed":                1,
		"state=available":                21,
		"kind=send_mail":                 0,
		"kind=bogus":                     24, // ignored
		"kind=process_recording&state=x": 23,
	} {
		res := c.get("/admin/jobs/?" + query)
		want(t, res, http.StatusOK)
		if !strings.Contains(res.body, fmt.Sprintf(">%d job", n)) && !(n == 0 && strings.Contains(res.body, "Nothing matches")) {
			t.Errorf("%s: want %d jobs\n%s", query, n, res.body)
		}
	}
	wantBody(t, c.get("/admin/jobs/?kind=encode_video"), `<option value="encode_video" selected>Encode video</option>`)

	// The detail: every field, each error in full, escaped.
	show := fmt.Sprintf("/admin/jobs/%d/", encode.ID)
	res = c.get(show)
	want(t, res, http.StatusOK)
	wantBody(t, res, fmt.Sprintf("Job #%d", encode.ID), "Encode video", "<code>encode_video</code>", "<code>encode</code>",
		"Attempt 1", `<pre class="log">`, "1 of 5", fmt.Sprintf(`action="/admin/jobs/%d/retry/"`, encode.ID), "Not &lt;media&gt;")
	// The node that worked each attempt (River's client ID, NODE_ID).
	if len(encode.AttemptedBy) != 1 {
		t.Fatalf("encode job attempted by %q, want one node", encode.AttemptedBy)
	}
	wantBody(t, res, "Worked by (node, each attempt)", "<code>"+encode.AttemptedBy[0]+"</code>")
	if strings.Contains(res.body, "/cancel/") {
		t.Error("a cancelled job offers to be cancelled")
	}
	if !strings.Contains(res.body, htmlEscape(encode.Errors[0].Error)) {
		t.Errorf("the detail lacks the error %q", encode.Errors[0].Error)
	}
	want(t, c.get("/admin/jobs/99999/"), http.StatusNotFound)
	want(t, c.get("/admin/jobs/x/"), http.StatusNotFound)

	// Retry: the job waits again, and so does its video.
	res = c.post(show+"retry/", url.Values{"next": {show}})
	want(t, res, http.StatusSeeOther)
	if res.location != show {
		t.Errorf("retry went to %q", res.location)
	}
	wantBody(t, c.get(show), fmt.Sprintf("Job #%d will run again as soon as a worker is free.", encode.ID), "Waiting",
		fmt.Sprintf(`action="/admin/jobs/%d/cancel/"`, encode.ID))
	if st := b.jobState(encode.ID); st != lectern.JobAvailable {
		t.Errorf("retried job: state %s", st)
	}
	if v := b.videoOf(garbage.ID); v.EncodingState != lectern.EncodingPending {
		t.Errorf("retried video: state %s", v.EncodingState)
	}

	// Cancel, back to a filtered list; again: the core's refusal.
	waiting := b.job(lectern.JobProcessRecording, ptr(int64(1005)), nil)
	back := "/admin/jobs/?state=available&page=2"
	res = c.post(fmt.Sprintf("/admin/jobs/%d/cancel/", waiting.ID), url.Values{"next": {back}})
	want(t, res, http.StatusSeeOther)
	if res.location != back {
		t.Errorf("cancel went to %q", res.location)
	}
	wantBody(t, c.get(back), fmt.Sprintf("Job #%d was cancelled.", waiting.ID))
	if st := b.jobState(waiting.ID); st != lectern.JobCancelled {
		t.Errorf("cancelled job: state %s", st)
	}
	res = c.post(fmt.Sprintf("/admin/jobs/%d/cancel/", waiting.ID), url.Values{"next": {"https://evil.example/"}})
	want(t, res, http.StatusSeeOther)
	if res.location != "/admin/jobs/" {
		t.Errorf("an outside next was followed: %q", res.location)
	}
	wantBody(t, c.get("/admin/jobs/"), "This job has finished: there is nothing to cancel.", `class="alert alert-error"`)
	want(t, c.post("/admin/jobs/99999/cancel/", nil), http.StatusNotFound)

	// Without the form's token, nothing changes.
	other := b.job(lectern.JobProcessRecording, ptr(int64(1006)), nil)
	want(t, c.postRaw(fmt.Sprintf("/admin/jobs/%d/cancel/", other.ID), nil), http.StatusForbidden)
	if st := b.jobState(other.ID); st != lectern.JobAvailable {
		t.Errorf("a POST without token changed the job: %s", st)
	}

	// The recording's page lists its jobs and its video's encodes.
	res = c.get(fmt.Sprintf("/admin/recordings/%d/", garbage.ID))
	want(t, res, http.StatusOK)
	wantBody(t, res, fmt.Sprintf(`href="/admin/jobs/%d/"`, encode.ID), fmt.Sprintf(`href="/admin/jobs/%d/"`,
		b.job(lectern.JobProcessRecording, &garbage.ID, nil).ID), "Process recording", "Encode video")
	wantOrder(t, res, fmt.Sprintf(`href="/admin/jobs/%d/"`, encode.ID), "Process recording")

	// French: labels, and the core's refusal translated.
	c.language = "fr"
	for _, path := range []string{"/admin/jobs/", "/admin/jobs/?page=2", show, fmt.Sprintf("/admin/recordings/%d/", garbage.ID), "/admin/"} {
		res := c.get(path)
		want(t, res, http.StatusOK)
		wantNoKeys(t, path, res)
	}
	wantBody(t, c.get("/admin/jobs/?page=2"), "Tâches", "24 tâches", "Traitement de l’enregistrement", "Encodage de la vidéo",
		"Annulée", "Terminée", "Enregistrement #")
	c.post(fmt.Sprintf("/admin/jobs/%d/cancel/", waiting.ID), nil)
	wantBody(t, c.get("/admin/jobs/"), "Cette tâche est terminée : il n’y a rien à annuler.")
	c.post(show+"cancel/", nil)
	wantBody(t, c.get("/admin/jobs/"), fmt.Sprintf("La tâche #%d a été annulée.", encode.ID))
	c.post(fmt.Sprintf("/admin/jobs/%d/retry/", other.ID), nil)
	wantBody(t, c.get("/admin/jobs/"), "Cette tâche est en cours ou sur le point de l’être : elle ne peut pas être relancée maintenant.")
}

func TestAdminVideoEncode(t *testing.T) {
	t.Parallel()
	b := setupJobs(t)
	ctx := context.Background()
	b.user("root", true, true)
	owner := b.manager("mgr")
	missing, _ := b.failedJobs(owner)
	noSource := b.videoOf(missing.ID) // in error, its source missing
	done := b.encoded(b.video(owner, "Done lecture"), false)
	// Its source as a fixture stores it: no encode job.
	if err := sqldb.NewVideoService(b.db, nil).SetSource(ctx, done.ID, "videos/"+id64(done.ID)+"/source.mp4"); err != nil {
		t.Fatal(err)
	}
	pending := b.video(owner, "Pending lecture")

	c := b.visitor("root")
	res := c.get("/admin/videos/")
	want(t, res, http.StatusOK)
	// The buttons lead to a confirmation naming the video, which posts.
	for _, v := range []*lectern.Video{noSource, done} {
		wantBody(t, res, fmt.Sprintf(`href="/admin/videos/%d/encode/?next=%%2fadmin%%2fvideos%%2f"`, v.ID))
	}
	if strings.Contains(res.body, fmt.Sprintf(`/admin/videos/%d/encode/`, pending.ID)) {
		t.Error("a pending video offers to be encoded again")
	}
	if strings.Contains(res.body, `method="post" action="/admin/videos/`) {
		t.Error("the list encodes again without asking")
	}
	wantBody(t, c.get(fmt.Sprintf("/admin/recordings/%d/", missing.ID)), fmt.Sprintf(`href="/admin/videos/%d/encode/?next=%%2fadmin%%2frecordings%%2f%d%%2f"`,
		noSource.ID, missing.ID))
	confirm := fmt.Sprintf("/admin/videos/%d/encode/?next=%%2Fadmin%%2Fvideos%%2F%%3Fstate%%3Ddone", done.ID)
	res = c.get(confirm)
	want(t, res, http.StatusOK)
	wantBody(t, res, "<h1>Encode again</h1>", "Encode the video “Done lecture” again?",
		fmt.Sprintf(`<form method="post" action="/admin/videos/%d/encode/"`, done.ID), `name="next" value="/admin/videos/?state=done"`,
		"Yes, encode it again", `<a class="button button-quiet" href="/admin/videos/?state=done">Cancel</a>`)
	kind := lectern.JobEncodeVideo
	if _, n, err := b.jobs.FindJobs(ctx, lectern.JobFilter{Kind: &kind, VideoID: &done.ID}); n != 0 || err != nil {
		t.Errorf("asking made %d encode jobs (%v)", n, err)
	}
	fr := b.visitor("root")
	fr.language = "fr"
	res = fr.get(confirm)
	wantBody(t, res, "<h1>Encoder à nouveau</h1>", "Encoder à nouveau la vidéo « Done lecture » ?", "Oui, l’encoder à nouveau")
	wantNoKeys(t, confirm, res)
	wantBody(t, c.get(fmt.Sprintf("/admin/videos/%d/encode/?next=https://evil.example/", done.ID)), `<a class="button button-quiet" href="/admin/videos/">`)
	res = c.get(fmt.Sprintf("/admin/videos/%d/encode/", pending.ID))
	wantBody(t, res, "This video waits for its encoding or is being encoded: it cannot be encoded again now.")
	if strings.Contains(res.body, `method="post" action="/admin/videos/`) {
		t.Error("a pending video's confirmation offers to encode it")
	}
	want(t, c.get("/admin/videos/99999/encode/"), http.StatusNotFound)
	want(t, b.visitor("mgr").get(confirm), http.StatusForbidden)

	// Encoding a done video again: a new encode job waits, the video too.
	res = c.post(fmt.Sprintf("/admin/videos/%d/encode/", done.ID), url.Values{"next": {"/admin/videos/?state=done"}})
	want(t, res, http.StatusSeeOther)
	if res.location != "/admin/videos/?state=done" {
		t.Errorf("encode went to %q", res.location)
	}
	wantBody(t, c.get("/admin/videos/"), "The video is queued to be encoded again.")
	if j := b.job(lectern.JobEncodeVideo, nil, &done.ID); j.State != lectern.JobAvailable {
		t.Errorf("encode job: %+v", j)
	}
	if v, _ := b.videos.FindVideoByID(ctx, done.ID); v.EncodingState != lectern.EncodingPending {
		t.Errorf("video state %s, want pending", v.EncodingState)
	}
	// Again while it waits, and a video without a source: refused, in
	// the reader's language.
	c.post(fmt.Sprintf("/admin/videos/%d/encode/", done.ID), nil)
	wantBody(t, c.get("/admin/videos/"), htmlEscape("This video's encoding is already waiting for a worker."))
	c.language = "fr"
	c.post(fmt.Sprintf("/admin/videos/%d/encode/", done.ID), nil)
	wantBody(t, c.get("/admin/videos/"), "L’encodage de cette vidéo attend déjà un processus libre.")
	c.post(fmt.Sprintf("/admin/videos/%d/encode/", noSource.ID), nil)
	wantBody(t, c.get("/admin/videos/"), "Cette vidéo n’a pas encore de source enregistrée : son enregistrement est encore en cours de traitement.")
	wantNoKeys(t, "/admin/videos/", c.get("/admin/videos/"))

	want(t, c.post("/admin/videos/99999/encode/", nil), http.StatusNotFound)
	want(t, c.postRaw(fmt.Sprintf("/admin/videos/%d/encode/", noSource.ID), nil), http.StatusForbidden)
	want(t, b.visitor("mgr").post(fmt.Sprintf("/admin/videos/%d/encode/", noSource.ID), nil), http.StatusForbidden)
}

// Without a job service there are no job pages, links or buttons.
func TestAdminJobsOff(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	owner := b.user("owner", false, false)
	v := b.encoded(b.video(owner, "Done"), false)
	c := b.visitor("root")
	want(t, c.get("/admin/jobs/"), http.StatusNotFound)
	res := c.get("/admin/")
	if strings.Contains(res.body, "/admin/jobs/") {
		t.Error("the admin links to the job pages")
	}
	if strings.Contains(c.get("/admin/videos/").body, "/encode/") {
		t.Error("the video list offers to encode again")
	}
	want(t, c.post(fmt.Sprintf("/admin/videos/%d/encode/", v.ID), nil), http.StatusNotFound)
}

// htmlEscape escapes s as html/template writes text.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
