package web

import (
	"context"
	"encoding/json"
	"net/http"
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
	peopleLimit          = 20 // people in one answer
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
}

// handlePeopleSearch answers GET /people/search.json?q=…: at most
// peopleLimit people whose username, name or email holds q, the accounts
// first (active ones), then the directory's people without an account,
// merged by username. Superusers may search; staff too with
// ?recorder=<id> of a recorder whose add form lets them choose the owner
// (mayChooseOwner); a video's managers with ?video=<id> (its additional
// owners).
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
	allowed, err := s.maySearchPeople(ctx, u, r.URL.Query().Get("recorder"), r.URL.Query().Get("video"))
	if err != nil {
		s.logger.Error("web request failed", "err", err, "method", r.Method, "path", r.URL.Path)
		writeJSONError(w, http.StatusInternalServerError, "Internal error.")
		return
	}
	if !allowed {
		writeJSONError(w, http.StatusForbidden, "You do not have permission to perform this action.")
		return
	}
	answer, err := s.searchPeople(ctx, strings.TrimSpace(r.URL.Query().Get("q")))
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
// given (Video.ManagedBy).
func (s *Server) maySearchPeople(ctx context.Context, u *lectern.User, recorder, video string) (bool, error) {
	if u.IsSuperuser {
		return true, nil
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

// searchPeople finds the people q names (see handlePeopleSearch). A
// directory that fails is logged and leaves the accounts' part.
func (s *Server) searchPeople(ctx context.Context, q string) (peopleAnswer, error) {
	answer := peopleAnswer{People: []personHit{}}
	if n := utf8.RuneCountInString(q); n < peopleMinQuery || n > peopleMaxQuery {
		return answer, nil
	}
	users, _, err := s.deps.Users.FindUsers(ctx, lectern.UserFilter{Search: q, Page: lectern.Page{Number: 1, Size: peopleLimit}})
	if err != nil {
		return answer, err
	}
	seen := map[string]bool{}
	for _, u := range users {
		seen[u.Username] = true
		if u.IsActive {
			answer.People = append(answer.People, personHit{u.Username, u.FullName(), u.Email, true})
		}
	}
	// Without Accounts nobody found there could be picked (adopt).
	if s.deps.Directory == nil || s.deps.Accounts == nil || len(answer.People) >= peopleLimit {
		return answer, nil
	}
	dctx, cancel := context.WithTimeout(ctx, peopleDirectoryGrace)
	defer cancel()
	found, err := s.deps.Directory.SearchPeople(dctx, q, peopleLimit)
	if err != nil {
		s.logger.Warn("people search: the directory failed", "err", err)
		answer.DirectoryFailed = true
		return answer, nil
	}
	var newcomers []personHit
	for _, p := range found {
		if p.Username == "" || seen[p.Username] {
			continue
		}
		seen[p.Username] = true
		// Someone the accounts' search missed may still have an account
		// (its names differ from the directory's): merged by username.
		u, err := s.deps.Users.FindUserByUsername(ctx, p.Username)
		switch {
		case err == nil && u.IsActive:
			answer.People = append(answer.People, personHit{u.Username, u.FullName(), u.Email, true})
		case err == nil: // an inactive account: not to be picked
		case lectern.ErrorCode(err) == lectern.ENOTFOUND:
			newcomers = append(newcomers, personHit{p.Username, identityName(p), p.Email, false})
		default:
			return answer, err
		}
	}
	answer.People = append(answer.People, newcomers...)
	if len(answer.People) > peopleLimit {
		answer.People = answer.People[:peopleLimit]
	}
	return answer, nil
}

// identityName is "First Last", or the username, as User.FullName.
func identityName(p lectern.Identity) string {
	if n := strings.TrimSpace(p.FirstName + " " + p.LastName); n != "" {
		return n
	}
	return p.Username
}
