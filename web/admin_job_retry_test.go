package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lectern"
)

// A completed job offers no "Retry" (its detail, the list, its
// recording's page), and the server refuses one posted anyway, saying to
// encode the video again instead, in the reader's language; the job stays
// completed.
func TestAdminJobCompletedNotRetried(t *testing.T) {
	t.Parallel()
	b := setupJobs(t)
	b.user("root", true, true)
	owner := b.manager("mgr")
	_, garbage := b.failedJobs(owner)
	done := b.job(lectern.JobProcessRecording, &garbage.ID, nil)
	if done.State != lectern.JobCompleted {
		t.Fatalf("process job %+v, want completed", done)
	}
	show := fmt.Sprintf("/admin/jobs/%d/", done.ID)
	retry := fmt.Sprintf(`action="/admin/jobs/%d/retry/"`, done.ID)
	for lang, msg := range map[string]string{
		"en": "This job has completed: it does not run again. To encode a video again, use “Encode again” on its page.",
		"fr": "Cette tâche est terminée avec succès : elle ne s’exécute pas de nouveau. Pour encoder une vidéo à nouveau, utilisez « Encoder à nouveau » sur sa page.",
	} {
		c := b.visitor("root")
		c.language = lang
		for _, path := range []string{show, "/admin/jobs/?state=completed", fmt.Sprintf("/admin/recordings/%d/", garbage.ID)} {
			res := c.get(path)
			want(t, res, http.StatusOK)
			if strings.Contains(res.body, retry) {
				t.Errorf("%s %s offers to retry the completed job", lang, path)
			}
		}
		res := c.post(show+"retry/", url.Values{"next": {show}})
		want(t, res, http.StatusSeeOther)
		if res.location != show {
			t.Errorf("the refused retry went to %q", res.location)
		}
		wantBody(t, c.get(show), `class="alert alert-error"`, htmlEscape(msg))
		if st := b.jobState(done.ID); st != lectern.JobCompleted {
			t.Fatalf("a completed job retried: %s", st)
		}
	}
}
