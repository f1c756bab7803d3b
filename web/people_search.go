package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"lectern"
)

// People pickers (the recorder form's manager and additional users, the
// add form's owner) search the accounts and the university's directory
// as their chooser types: at a university the people to pick have often
// never logged in. The picker posts a username, which pickPerson resolves
// on save; a person only the directory knows gets their account then
// (Accounts.Adopt).

// Limits of a people search.
const (
	peopleLimit          = 20 // people in one answer, a page
	peopleMaxPage        = 10 // pages past it answer nobody: type more
	peopleMinQuery       = 2  // shorter queries answer nobody
	peopleMaxQuery       = 150
	peopleDirectoryGrace = 5 * time.Second // the directory's share of the request
)

// personHit is a person a people search found.
type personHit struct {
	Username string `json:"username"`
	FullName string `json:"full_name"`
	Email    string `json:"email"`
	// HasAccount: false for someone only the directory knows, whose
	// account is made when they are picked.
	HasAccount bool `json:"has_account"`
}

// peopleAnswer is GET /people/search.json's answer.
type peopleAnswer struct {
	People []personHit `json:"people"`
	// DirectoryFailed: the directory did not answer; People are the
	// accounts only.
	DirectoryFailed bool `json:"directory_failed"`
	// Page is this answer's page; NextPage the one with more people, 0
	// when there are no more (or past peopleMaxPage).
	Page     int `json:"page"`
	NextPage int `json:"next_page"`
}

// handlePeopleSearch answers GET /people/search.json?q=…&page=n: a page
// of peopleLimit people whose username, name or email holds q, the
// accounts first (active ones), then the directory's people (those
// without an account, and those whose account the search missed),
// merged by username; next_page names the following page. Superusers
// may search; staff too with ?recorder=<id> of a recorder whose add form
// lets them choose the owner (mayChooseOwner); a video's managers with
// ?video=<id> (its additional owners); who may change a recorder's
// schedule with ?schedule=<recorder id> (its events' owners). A page that is not a positive
// number answers 400.
func (s *Server) handlePeopleSearch(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	u := currentUser(r)
	if u == nil {
		writeJSONError(w, http.StatusUnauthorized, "Authentication credentials were not provided.")
		return
	}
	q := r.URL.Query()
	allowed, err := s.maySearchPeople(ctx, u, q.Get("recorder"), q.Get("video"), q.Get("schedule"))
	if err != nil {
		s.logger.Error("web request failed", "err", err, "method", r.Method, "path", r.URL.Path)
		writeJSONError(w, http.StatusInternalServerError, "Internal error.")
		return
	}
	if !allowed {
		writeJSONError(w, http.StatusForbidden, "You do not have permission to perform this action.")
		return
	}
	page := 1
	if v := r.URL.Query().Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			writeJSONError(w, http.StatusBadRequest, "Invalid page.")
			return
		}
	}
	answer, err := s.searchPeople(ctx, strings.TrimSpace(r.URL.Query().Get("q")), page)
	if err != nil {
		s.logger.Error("web request failed", "err", err, "method", r.Method, "path", r.URL.Path)
		writeJSONError(w, http.StatusInternalServerError, "Internal error.")
		return
	}
	_ = json.NewEncoder(w).Encode(answer)
}

// maySearchPeople reports whether u may use the people pickers: a
// superuser, staff who may choose the owner in the add form of the
// recorder whose id is given, or a manager of the video whose id is
// given (Video.ManagedBy), or who may change the schedule of the
// recorder whose id is given as schedule (an event's owners).
func (s *Server) maySearchPeople(ctx context.Context, u *lectern.User, recorder, video, schedule string) (bool, error) {
	if u.IsSuperuser {
		return true, nil
	}
	if schedule != "" && s.deps.Events != nil {
		rec, err := s.findRecorder(ctx, schedule)
		if lectern.ErrorCode(err) == lectern.ENOTFOUND {
			return false, nil
		} else if err != nil {
			return false, err
		}
		return rec.ScheduleAccess(u) == lectern.ScheduleEdit, nil
	}
	if id, ok := videoRefID(video); ok && s.deps.Videos != nil {
		v, err := s.deps.Videos.FindVideoByID(ctx, id)
		if err != nil && lectern.ErrorCode(err) != lectern.ENOTFOUND {
			return false, err
		}
		return v != nil && v.ManagedBy(u), nil
	}
	if !isStaff(u) || recorder == "" {
		return false, nil
	}
	rec, err := s.findRecorder(ctx, recorder)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return s.mayChooseOwner(u, rec), nil
}

// searchPeople finds page of the people q names (see
// handlePeopleSearch): the active accounts q matches, then the
// directory's people, each page peopleLimit long. A directory that fails
// is logged and leaves the accounts' part.
func (s *Server) searchPeople(ctx context.Context, q string, page int) (peopleAnswer, error) {
	answer := peopleAnswer{People: []personHit{}, Page: page}
	if n := utf8.RuneCountInString(q); n < peopleMinQuery || n > peopleMaxQuery || page > peopleMaxPage {
		return answer, nil
	}
	active := true
	users, total, err := s.deps.Users.FindUsers(ctx, lectern.UserFilter{Search: q, IsActive: &active, Page: lectern.Page{Number: page, Size: peopleLimit}})
	if err != nil {
		return answer, err
	}
	for _, u := range users {
		answer.People = append(answer.People, personHit{u.Username, u.FullName(), u.Email, true})
	}
	offset := (page - 1) * peopleLimit
	more := offset+peopleLimit < total
	// Without Accounts nobody found there could be picked (adopt).
	if !more && s.deps.Directory != nil && s.deps.Accounts != nil {
		// The directory's part of the list starts after the accounts';
		// skip is how much of it the pages before this one showed.
		skip, want := max(0, offset-total), peopleLimit-len(answer.People)
		found, failed, err := s.directoryPeople(ctx, q, skip+want+1, total)
		if err != nil {
			return answer, err
		}
		answer.DirectoryFailed = failed
		if skip < len(found) {
			found = found[skip:]
			more = len(found) > want
			answer.People = append(answer.People, found[:min(want, len(found))]...)
		}
	}
	if more && page < peopleMaxPage {
		answer.NextPage = page + 1
	}
	return answer, nil
}

// directoryPeople is the directory's part of a search of q, in the
// directory's order, at least n long when the directory has that many:
// the people without an account, and those whose active account the
// accounts' search missed (its names differ from the directory's); the
// accounts it found (at most matched of them) are the list's first part.
func (s *Server) directoryPeople(ctx context.Context, q string, n, matched int) (found []personHit, failed bool, err error) {
	dctx, cancel := context.WithTimeout(ctx, peopleDirectoryGrace)
	defer cancel()
	people, err := s.deps.Directory.SearchPeople(dctx, q, n+matched)
	if err != nil {
		s.logger.Warn("people search: the directory failed", "err", err)
		return nil, true, nil
	}
	seen := map[string]bool{}
	for _, p := range people {
		if p.Username == "" || seen[p.Username] {
			continue
		}
		seen[p.Username] = true
		u, err := s.deps.Users.FindUserByUsername(ctx, p.Username)
		switch {
		case err == nil && u.IsActive && !accountMatches(u, q):
			found = append(found, personHit{u.Username, u.FullName(), u.Email, true})
		case err == nil: // in the accounts' part, or inactive: not to be picked
		case lectern.ErrorCode(err) == lectern.ENOTFOUND:
			found = append(found, personHit{p.Username, identityName(p), p.Email, false})
		default:
			return nil, false, err
		}
	}
	return found, false, nil
}

// accountMatches reports whether the accounts' search of q finds u: q
// in its username, names or email, whatever the case.
func accountMatches(u *lectern.User, q string) bool {
	q = strings.ToLower(q)
	for _, f := range []string{u.Username, u.FirstName, u.LastName, u.Email} {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}

// identityName is "First Last", or the username, as User.FullName.
func identityName(p lectern.Identity) string {
	if n := strings.TrimSpace(p.FirstName + " " + p.LastName); n != "" {
		return n
	}
	return p.Username
}
