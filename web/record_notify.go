package web

import (
	"net"
	"net/http"
	"strings"
	"time"

	"lectern"
)

// maxNotifyBody bounds the form body of a POSTed notify (bodyLimit): a
// larger one is answered from the query string alone, as Pod answers.
const maxNotifyBody = 64 << 10

// notifyPaths are Pod 4's notify URL (its cron command calls it) and the
// seed's; both also answer without their final slash, which a recorder's
// script may leave out.
var notifyPaths = []string{"/record/recorder_notify/", "/mediacourses_notify/", "/record/recorder_notify", "/mediacourses_notify"}

// handleNotify answers Pod's notify URL: any method, no login, no CSRF
// token, a body of at most maxNotifyBody (bodyLimit); recordingPlace,
// mediapath, key and course_title come from the query string, or the
// form body of a POST. The answer is
// lectern.Notifier's text, byte for byte, with status 200 even for a
// "nok: …" (Pod's behaviour, which recorders' scripts compare).
func (s *Server) handleNotify(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm() // a bad body leaves the query: the answer says what is missing
	answer := s.deps.Notifier.Notify(r.Context(), r.Form.Get("recordingPlace"), r.Form.Get("mediapath"),
		r.Form.Get("key"), r.Form.Get("course_title"))
	s.logger.Info("notify", "remote_addr", r.RemoteAddr, "method", r.Method,
		"recording_place", r.Form.Get("recordingPlace"), "mediapath", r.Form.Get("mediapath"), "answer", answer)
	s.reportNotify(r, answer)
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(answer))
}

// reportNotify tells Deps.LoginFunc of a notify that named a recorder:
// a contact when its key was right (whatever became of the file), a
// refused login when it was wrong and came from the recorder's address.
// One more look-up of the recorder, by
// its address; nothing when the notify named none.
func (s *Server) reportNotify(r *http.Request, answer string) {
	if s.deps.LoginFunc == nil {
		return
	}
	reason := ""
	switch answer {
	case lectern.NotifyMissing, lectern.NotifyNoRecorder, lectern.NotifyInternalError:
		return
	case lectern.NotifyBadKey:
		reason = lectern.LoginBadKey
	}
	addr, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		addr = r.RemoteAddr
	}
	ip := strings.ReplaceAll(r.Form.Get("recordingPlace"), "_", ".")
	rec, err := lectern.FindRecorder(r.Context(), s.deps.Recorders, lectern.RecorderFilter{AddressIP: &ip})
	if err != nil {
		return // gone meanwhile, or the store failed: Notify logged it
	}
	if reason != "" && addr != rec.AddressIP {
		// Anyone may name any recorder: a wrong key is the recorder's
		// failure only from its own address.
		return
	}
	s.deps.LoginFunc(lectern.LoginAttempt{RecorderID: rec.ID, Login: rec.CredentialsLogin, Addr: addr,
		Via: lectern.ContactNotify, At: time.Now().UTC(), Reason: reason})
}
