package web

import (
	"net/http"
	"net/url"

	"lectern"
)

// addFormPaths are the add form's paths, Pod's and the seed's mail's.
var addFormPaths = map[string]bool{"/record/add_recording/": true, "/mediacourses_add/": true}

// loginPurpose says what a login going on to next is for: "Log in to
// publish the recording from Amphi A." when next is an add form's link
// (the manager's mail), "" for anything else.
//
// The visitor is not logged in yet, so the sentence tells only what the
// link itself makes known: the recorder's name, which the mail's
// recipient has read already. A stranger with a made-up link learns the
// name of the recorder with that id, and nothing more: never whether the
// file exists or waits (the add form's refusals keep that from the
// people of other recorders too), nor its manager; the link's own texts
// (course_title, mediapath) are never shown, so that a crafted link
// cannot put its words on this page. An unknown recorder reads as a link
// without one: "Log in to publish a recording."
func (s *Server) loginPurpose(r *http.Request, next string) string {
	u, err := url.Parse(next)
	if err != nil || !addFormPaths[u.Path] || s.deps.Treatments == nil || s.deps.Recordings == nil {
		return ""
	}
	p := s.printer(r)
	rec, err := s.findRecorder(r.Context(), u.Query().Get("recorder"))
	switch {
	case err == nil:
		return p.T("login.purpose.publish", rec.Name)
	case lectern.ErrorCode(err) != lectern.ENOTFOUND:
		s.logger.Error("find the recorder of the login's next", "next", next, "err", err)
	}
	return p.T("login.purpose.publish_any")
}
