package web

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strings"

	"lectern"
	"lectern/locale"
)

// messageClasses colour the state badges.
var messageClasses = map[string]string{lectern.MessageQueued: "wait", lectern.MessageSent: "done", lectern.MessageFailed: "bad"}

// messageRow is a message as the outbox pages show it, translated.
type messageRow struct {
	M          *lectern.Message
	To         string
	State      string
	StateClass string
	Kind       string
	Deposit    string // the file the message is about; "" when none
	Created    when
	Sent       when
	// NotSent says why a message waits for ever: no SMTP server is
	// configured ("" when one is, or the message was sent).
	NotSent string
}

func messageStateLabel(p *locale.Printer, state string) string {
	return label(p, "outbox.state.", state)
}

// messageRows translates messages, naming the deposit each is about.
func (s *Server) messageRows(ctx context.Context, p *locale.Printer, list []*lectern.Message) ([]messageRow, error) {
	files := s.depositNames()
	rows := make([]messageRow, 0, len(list))
	for _, m := range list {
		row := newMessageRow(p, m)
		row.NotSent = s.notSent(p, m)
		if m.TreatmentID != nil {
			name, err := files.name(ctx, *m.TreatmentID)
			if err != nil {
				return nil, err
			}
			row.Deposit = name
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// depositNames names treatments by their file's base name.
func (s *Server) depositNames() *nameCache {
	return &nameCache{names: map[int64]string{}, find: func(ctx context.Context, id int64) (string, error) {
		if s.deps.Treatments == nil {
			return "", nil
		}
		t, err := s.deps.Treatments.FindTreatmentByID(ctx, id)
		if err != nil {
			return "", err
		}
		return filepath.Base(t.File), nil
	}}
}

// notSent is the outbox's note on m when no SMTP server is configured
// and m was not sent: nobody will receive it until SMTP_URL is set.
func (s *Server) notSent(p *locale.Printer, m *lectern.Message) string {
	if s.cfg.SMTPConfigured || m.State == lectern.MessageSent {
		return ""
	}
	return p.T("outbox.not_sent.no_smtp")
}

func newMessageRow(p *locale.Printer, m *lectern.Message) messageRow {
	kind := label(p, "outbox.kind.", m.Kind)
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
// set), what failed, or both of the last (outboxUnsent, the dashboard's
// "Mail not sent").
func (s *Server) handleAdminOutboxList(w http.ResponseWriter, r *http.Request) {
	p := s.printer(r)
	filter := lectern.MessageFilter{Page: requestPage(r)}
	st := r.URL.Query().Get("state")
	if slices.Contains(lectern.MessageStates, st) {
		filter.State = &st
	} else if st == outboxUnsent {
		filter.States = lectern.MessageUnsentStates
	}
	list, total, err := s.deps.Messages.FindMessages(r.Context(), filter)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	stateFilter := listFilter{Name: "state", Label: p.T("outbox.field.state"),
		Options: []option{{"", p.T("outbox.list.all_states"), filter.State == nil && filter.States == nil},
			{outboxUnsent, p.T("outbox.state.unsent"), filter.States != nil}}}
	for _, st := range lectern.MessageStates {
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
	if data.Rows, err = s.messageRows(r.Context(), p, list); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_outbox_list", data)
}
