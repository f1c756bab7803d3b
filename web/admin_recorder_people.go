package web

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"lectern"
	"lectern/locale"
)

// recorderPeople are the recorder form's people: its manager and
// additional users, as the pickers show them, and as picked (to adopt
// once the form is valid).
type recorderPeople struct {
	ManagerText    string
	Manager        *pickedPerson
	Additional     []pickedPerson
	AdditionalText string // what was typed and matched nobody

	manager    *pick
	additional []*pick
}

// storedRecorderPeople shows rec's manager and additional users. An id
// whose account is gone is left out.
func (s *Server) storedRecorderPeople(ctx context.Context, rec *lectern.Recorder) (*recorderPeople, error) {
	people := &recorderPeople{}
	find := func(id int64) (*pickedPerson, error) {
		u, err := s.deps.Users.FindUserByID(ctx, id)
		if lectern.ErrorCode(err) == lectern.ENOTFOUND {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		shown := pick{User: u}.shown()
		return &shown, nil
	}
	if rec.UserID != nil {
		m, err := find(*rec.UserID)
		if err != nil {
			return nil, err
		}
		if m != nil {
			people.Manager, people.ManagerText = m, m.Username
		}
	}
	for _, id := range rec.AdditionalUsers {
		a, err := find(id)
		if err != nil {
			return nil, err
		}
		if a != nil {
			people.Additional = append(people.Additional, *a)
		}
	}
	return people, nil
}

// readRecorderPeople resolves the posted manager and additional users
// (findPick): rec gets the ids of those who have an account; people
// without one get theirs when the form is saved (adoptRecorderPeople).
// Names that match nobody are field errors, and stay typed.
func (s *Server) readRecorderPeople(ctx context.Context, p *locale.Printer, form url.Values, rec *lectern.Recorder,
	f lectern.FieldErrors) (*recorderPeople, error) {
	people := &recorderPeople{}
	rec.UserID = nil
	if typed := strings.TrimSpace(form.Get("user")); typed != "" {
		people.ManagerText = typed
		pk, msg, err := s.findPick(ctx, p, typed)
		if err != nil {
			return nil, err
		}
		if pk == nil {
			f.Add("user", msg)
		} else {
			shown := pk.shown()
			people.manager, people.Manager, people.ManagerText = pk, &shown, pk.Username()
			if pk.User != nil {
				rec.UserID = &pk.User.ID
			}
		}
	}
	rec.AdditionalUsers = []int64{}
	var unknown, seen []string
	for _, typed := range pickValues(form["additional_users"]) {
		pk, msg, err := s.findPick(ctx, p, typed)
		if err != nil {
			return nil, err
		}
		if pk == nil {
			f.Add("additional_users", msg)
			unknown = append(unknown, typed)
			continue
		}
		if slices.Contains(seen, pk.Username()) {
			continue
		}
		seen = append(seen, pk.Username())
		people.additional = append(people.additional, pk)
		people.Additional = append(people.Additional, pk.shown())
		if pk.User != nil {
			rec.AdditionalUsers = append(rec.AdditionalUsers, pk.User.ID)
		}
	}
	people.AdditionalText = strings.Join(unknown, ", ")
	return people, nil
}

// adoptRecorderPeople gives the picked people who have no account yet
// theirs, from the directory, and sets rec's ids. A person the directory
// no longer has is a field error.
func (s *Server) adoptRecorderPeople(ctx context.Context, p *locale.Printer, rec *lectern.Recorder, people *recorderPeople,
	f lectern.FieldErrors) error {
	if people.manager != nil {
		u, err := s.adopt(ctx, people.manager)
		if lectern.ErrorCode(err) == lectern.ENOTFOUND {
			f.Add("user", p.T("picker.error.unknown", people.ManagerText))
		} else if err != nil {
			return err
		} else {
			rec.UserID = &u.ID
		}
	}
	rec.AdditionalUsers = []int64{}
	for _, pk := range people.additional {
		name := pk.Username()
		u, err := s.adopt(ctx, pk)
		if lectern.ErrorCode(err) == lectern.ENOTFOUND {
			f.Add("additional_users", p.T("picker.error.unknown", name))
			continue
		} else if err != nil {
			return err
		}
		if !slices.Contains(rec.AdditionalUsers, u.ID) {
			rec.AdditionalUsers = append(rec.AdditionalUsers, u.ID)
		}
	}
	return nil
}
