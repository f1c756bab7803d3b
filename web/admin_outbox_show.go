package web

import (
	"net/http"

	"lectern"
)

type adminOutboxShowPage struct {
	layout
	Row     messageRow
	CanSend bool // failed: an admin may send it again
}

// handleAdminOutboxShow shows one message as it was rendered: its
// headers, its text part, and its HTML part in a sandboxed frame.
func (s *Server) handleAdminOutboxShow(w http.ResponseWriter, r *http.Request) {
	m, ok := pathObject(s, w, r, s.deps.Messages.FindMessageByID)
	if !ok {
		return
	}
	rows, err := s.messageRows(r.Context(), s.printer(r), []*lectern.Message{m})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_outbox_show", adminOutboxShowPage{
		layout:  s.page(r, "outbox.show.title", "outbox"),
		Row:     rows[0],
		CanSend: m.State == lectern.MessageFailed,
	})
}

// handleAdminOutboxHTML serves a message's HTML part alone, for the frame
// of its page: no script, no request to anywhere (images inline only),
// framed by this site only.
func (s *Server) handleAdminOutboxHTML(w http.ResponseWriter, r *http.Request) {
	m, ok := pathObject(s, w, r, s.deps.Messages.FindMessageByID)
	if !ok {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	_, _ = w.Write([]byte(m.HTML))
}

// handleAdminOutboxRequeue puts a failed message back in the queue, its
// delivery job with it (lectern.MessageService.RequeueMessage).
func (s *Server) handleAdminOutboxRequeue(w http.ResponseWriter, r *http.Request) {
	m, ok := pathObject(s, w, r, s.deps.Messages.FindMessageByID)
	if !ok {
		return
	}
	ctx := r.Context()
	back := "/admin/outbox/" + id64(m.ID) + "/"
	if err := s.deps.Messages.RequeueMessage(ctx, m.ID); err != nil {
		if lectern.ErrorCode(err) == lectern.ECONFLICT {
			s.flash(r, "error", "outbox.requeue.not_failed")
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		s.serviceError(w, r, err)
		return
	}
	s.logger.Info("message queued again", "message_id", m.ID, "user_id", currentUser(r).ID)
	s.flash(r, "success", "outbox.requeue.done")
	http.Redirect(w, r, back, http.StatusSeeOther)
}
