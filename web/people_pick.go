package web

import (
	"context"
	"strconv"
	"strings"

	"lectern"
	"lectern/locale"
)

// pick is a person a people picker names: an account, or someone only the
// directory knows (Person), whose account adopt makes.
type pick struct {
	User   *lectern.User
	Person *lectern.Identity
}

// Username is the username the picker shows for p.
func (p pick) Username() string {
	if p.User != nil {
		return p.User.Username
	}
	return p.Person.Username
}

// shown is how a picker shows p as chosen.
func (p pick) shown() pickedPerson {
	if p.User != nil {
		return pickedPerson{Username: p.User.Username, Name: p.User.FullName(), Email: p.User.Email}
	}
	return pickedPerson{Username: p.Person.Username, Name: identityName(*p.Person), Email: p.Person.Email, New: true}
}

// pickedPerson is a person a picker shows as chosen.
type pickedPerson struct {
	Username string
	Name     string // full name, or the username
	Email    string
	New      bool // from the directory: their account is made on saving
}

// findPick resolves what was typed in a people picker: a username (an
// account's, else a person's of the directory), else the numeric id of
// an account, as the selects posted before the pickers (and API-minded
// clients still do). message is the field's error when nobody matches.
func (s *Server) findPick(ctx context.Context, p *locale.Printer, typed string) (found *pick, message string, err error) {
	typed = strings.TrimSpace(typed)
	if u, err := s.deps.Users.FindUserByUsername(ctx, typed); err == nil {
		return &pick{User: u}, "", nil
	} else if lectern.ErrorCode(err) != lectern.ENOTFOUND {
		return nil, "", err
	}
	directoryFailed := false
	if s.deps.Directory != nil && s.deps.Accounts != nil && typed != "" {
		person, err := s.deps.Directory.LookupPerson(ctx, typed)
		switch {
		case err == nil && person.Username != typed:
			// The directory's spelling (case) of the username may
			// already have an account.
			if u, err := s.deps.Users.FindUserByUsername(ctx, person.Username); err == nil {
				return &pick{User: u}, "", nil
			} else if lectern.ErrorCode(err) != lectern.ENOTFOUND {
				return nil, "", err
			}
			return &pick{Person: person}, "", nil
		case err == nil:
			return &pick{Person: person}, "", nil
		case lectern.ErrorCode(err) != lectern.ENOTFOUND:
			s.logger.Warn("people picker: the directory failed", "err", err, "username", typed)
			directoryFailed = true
		}
	}
	if id, err := strconv.ParseInt(typed, 10, 64); err == nil && id > 0 {
		if u, err := s.deps.Users.FindUserByID(ctx, id); err == nil {
			return &pick{User: u}, "", nil
		} else if lectern.ErrorCode(err) != lectern.ENOTFOUND {
			return nil, "", err
		}
	}
	if directoryFailed {
		return nil, p.T("picker.error.directory", typed), nil
	}
	return nil, p.T("picker.error.unknown", typed), nil
}

// adopt returns pk's account, making it from the directory's entry for a
// person who has none yet (Accounts.Adopt).
func (s *Server) adopt(ctx context.Context, pk *pick) (*lectern.User, error) {
	if pk.User != nil {
		return pk.User, nil
	}
	u, err := s.deps.Accounts.Adopt(ctx, pk.Person.Username)
	if err != nil {
		return nil, err
	}
	s.logger.Info("account made from the directory", "user_id", u.ID, "username", u.Username)
	pk.User, pk.Person = u, nil
	return u, nil
}

// pickValues splits a picker's posted values: each may hold several
// usernames or ids, separated by commas or spaces (typed without script).
func pickValues(values []string) []string {
	var out []string
	for _, v := range values {
		out = append(out, strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })...)
	}
	return out
}

// pickerField is a people picker on a page (the people_picker partial).
type pickerField struct {
	Name     string // the form field: "user", "additional_users"
	ID       string // the input's id
	Label    string
	Help     string
	URL      string // the people search, with ?recorder= for staff
	Multiple bool
	Text     string         // the input's text
	Chosen   *pickedPerson  // single: the person chosen, shown below
	Picked   []pickedPerson // multiple: the people chosen, as checked boxes
	Error    string
}

// peopleSearchPath is the people pickers' search.
const peopleSearchPath = "/people/search.json"
