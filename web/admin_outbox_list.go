package web

import (
	"net/http"
	"slices"
	"strings"

	"lectern"
	"lectern/locale"
)

// messageStates are the outbox states, in the order a message goes
// through them.
var messageStates = []string{lectern.MessageQueued, lectern.MessageSent, lectern.MessageFailed}

// messageClasses colour the state badges.
var messageClasses = map[string]string{lectern.MessageQueued: "wait", lectern.MessageSent: "done", lectern.MessageFailed: "bad"}

// messageRow is a message as the outbox pages show it, translated.
type messageRow struct {
	M          *lectern.Message
	To         string
	State      string
	StateClass string
	Kind       string
	Created    when
	Sent       when
}

func messageStateLabel(p *locale.Printer, state string) string {
	if locale.Has(locale.Default, "outbox.state."+state) {
		return p.T("outbox.state." + state)
	}
	return state
}

func newMessageRow(p *locale.Printer, m *lectern.Message) messageRow {
	kind := m.Kind
	if locale.Has(locale.Default, "outbox.kind."+kind) {
		kind = p.T("outbox.kind." + kind)
	}
	return messageRow{
		M: m, To: strings.Join(m.To, ", "), State: messageStateLabel(p, m.State), StateClass: messageClasses[m.State],
		Kind: kind, Created: moment(p, m.CreatedAt), Sent: moment(p, m.SentAt),
	}
}

type adminOutboxListPage struct {
	layout
	Head       listHead
	Rows       []messageRow
	Pagination pagination
}

// handleAdminOutboxList lists the outbox, newest first, filtered by state:
// what was mailed, what waits (for the SMTP server, or for SMTP_URL to be
// set) and what failed.
func (s *Server) handleAdminOutboxList(w http.ResponseWriter, r *http.Request) {
	p := s.printer(r)
	filter := lectern.MessageFilter{Page: requestPage(r)}
	if st := r.URL.Query().Get("state"); slices.Contains(messageStates, st) {
		filter.State = &st
	}
	list, total, err := s.deps.Messages.FindMessages(r.Context(), filter)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	stateFilter := listFilter{Name: "state", Label: p.T("outbox.field.state"),
		Options: []option{{"", p.T("outbox.list.all_states"), filter.State == nil}}}
	for _, st := range messageStates {
		stateFilter.Options = append(stateFilter.Options, option{st, messageStateLabel(p, st), filter.State != nil && *filter.State == st})
	}
	data := adminOutboxListPage{
		layout: s.page(r, "outbox.list.title", "outbox"),
		Head: listHead{
			Path: "/admin/outbox/", Intro: p.T("outbox.list.intro"), Filters: []listFilter{stateFilter},
			Count: p.Plural("outbox.list.count", total), Empty: p.T("outbox.list.empty"),
		},
		Pagination: newPagination(r, filter.Page, total),
	}
	data.Wide = true
	for _, m := range list {
		data.Rows = append(data.Rows, newMessageRow(p, m))
	}
	s.render(w, r, http.StatusOK, "admin_outbox_list", data)
}
