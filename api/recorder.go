package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"lectern"
	"lectern/httpjson"
	"lectern/password"
)

// recorderBody is a recorder as the API shows it: the lectern.Recorder
// fields (hashes are never shown) and whether each password is set. Its
// IP, FTP login and notify salt, which authenticate the recorder, are for
// superusers only: the fields are left out for anyone else.
type recorderBody struct {
	*lectern.Recorder
	AddressIP        *string `json:"address_ip,omitempty"`
	CredentialsLogin *string `json:"credentials_login,omitempty"`
	Salt             *string `json:"salt,omitempty"`
	HasFTPPassword   bool    `json:"has_ftp_password"`
	HasPassword      bool    `json:"has_password"`
}

func newRecorderBody(rec *lectern.Recorder, u *lectern.User) recorderBody {
	if rec.AdditionalUsers == nil {
		rec.AdditionalUsers = []int64{}
	}
	if rec.RestrictAccessToGroups == nil {
		rec.RestrictAccessToGroups = []int64{}
	}
	b := recorderBody{Recorder: rec, HasFTPPassword: rec.CredentialsPasswordHash != "", HasPassword: rec.PasswordHash != ""}
	if u.IsSuperuser {
		b.AddressIP, b.CredentialsLogin, b.Salt = &rec.AddressIP, &rec.CredentialsLogin, &rec.Salt
	}
	return b
}

// recorderInput is a POST or PATCH body, decoded onto a recorder so that
// absent fields keep their value. The passwords are write-only; read-only
// fields are accepted and ignored, so a GET answer can be sent back.
type recorderInput struct {
	*lectern.Recorder
	// CredentialsPassword is the FTP password: set, or "" together with an
	// empty credentials_login to remove FTP access.
	CredentialsPassword *string `json:"credentials_password"`
	// Password is the default password of the recorder's videos; "" clears
	// it.
	Password *string `json:"password"`
	// Salt is the notify salt; absent on POST, a random one
	// (lectern.NewSalt); "" is allowed, as in Pod, though it makes the
	// notify key guessable.
	Salt *string `json:"salt"`

	ID             json.RawMessage `json:"id"`
	CreatedAt      json.RawMessage `json:"created_at"`
	UpdatedAt      json.RawMessage `json:"updated_at"`
	HasFTPPassword json.RawMessage `json:"has_ftp_password"`
	HasPassword    json.RawMessage `json:"has_password"`
}

// decodeRecorder decodes the body onto rec and hashes the passwords it
// holds. Field errors come with those of rec.Validate, so the client sees
// every mistake at once.
func decodeRecorder(w http.ResponseWriter, r *http.Request, rec *lectern.Recorder) error {
	in := recorderInput{Recorder: rec}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Salt != nil {
		rec.Salt = *in.Salt
	}
	f := lectern.FieldErrors{}
	if p := in.CredentialsPassword; p != nil {
		if *p == "" && strings.TrimSpace(rec.CredentialsLogin) != "" {
			f.Add("credentials_password", "This field may not be blank while a login is set: clear both to remove FTP access.")
		} else if err := hashInto(&rec.CredentialsPasswordHash, *p, "credentials_password", f); err != nil {
			return err
		} else {
			// The Digest secrets of the capture agents' login, which
			// bcrypt cannot give back.
			rec.CredentialsDigest = password.Digest(strings.TrimSpace(rec.CredentialsLogin), *p)
		}
	}
	if p := in.Password; p != nil {
		if err := hashInto(&rec.PasswordHash, *p, "password", f); err != nil {
			return err
		}
	}
	if len(f) == 0 {
		return nil
	}
	for k, v := range lectern.ErrorFields(rec.Validate()) {
		f.Add(k, v)
	}
	return f.Err("decode recorder")
}

// hashInto stores the hash of pw in *hash, or "" for an empty pw. A
// password bcrypt cannot take is a field error in f.
func hashInto(hash *string, pw, field string, f lectern.FieldErrors) error {
	if pw == "" {
		*hash = ""
		return nil
	}
	h, err := password.Hash(pw)
	if errors.Is(err, password.ErrTooLong) {
		f.Add(field, fmt.Sprintf("Ensure this value has at most %d bytes.", password.MaxLength))
		return nil
	} else if err != nil {
		return err
	}
	*hash = h
	return nil
}

// handleRecorderList serves GET /api/v1/recorders?search=&page=&page_size=:
// every recorder for superusers, those they manage for staff (searched
// without their IP, see searchMine).
func (h *Handler) handleRecorderList(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	search := strings.TrimSpace(r.URL.Query().Get("search"))
	var recs []*lectern.Recorder
	var total int
	if u.IsSuperuser || search == "" {
		recs, total, err = h.deps.Recorders.FindRecorders(r.Context(), lectern.RecorderFilter{Search: search, Member: member(u), Page: page})
	} else {
		recs, total, err = h.searchMine(r.Context(), u, search, page)
	}
	if err != nil {
		return err
	}
	results := make([]recorderBody, len(recs))
	for i, rec := range recs {
		results[i] = newRecorderBody(rec, u)
	}
	return h.writePage(w, r, page, total, results)
}

// searchMine is the search of staff among the recorders they manage: by
// name, directory and description, as the store's search, but not by IP,
// which staff do not see (a search would tell it). They manage few
// recorders: all are read, then one page kept.
func (h *Handler) searchMine(ctx context.Context, u *lectern.User, search string, page lectern.Page) ([]*lectern.Recorder, int, error) {
	var mine []*lectern.Recorder
	for pg := (lectern.Page{Number: 1, Size: lectern.MaxPageSize}); ; pg.Number++ {
		list, total, err := h.deps.Recorders.FindRecorders(ctx, lectern.RecorderFilter{Member: &u.ID, Page: pg})
		if err != nil {
			return nil, 0, err
		}
		mine = append(mine, list...)
		if len(list) == 0 || len(mine) >= total {
			break
		}
	}
	q := strings.ToLower(search)
	var found []*lectern.Recorder
	for _, rec := range mine {
		for _, field := range []string{rec.Name, rec.Directory, rec.Description} {
			if strings.Contains(strings.ToLower(field), q) {
				found = append(found, rec)
				break
			}
		}
	}
	page = page.Normalize()
	from := min(page.Offset(), len(found))
	return found[from:min(from+page.Size, len(found))], len(found), nil
}

// handleRecorderGet serves GET /api/v1/recorders/{id} (staff: one they
// manage, else 404).
func (h *Handler) handleRecorderGet(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rec, err := h.deps.Recorders.FindRecorderByID(r.Context(), id)
	if err != nil {
		return err
	}
	if !rec.ManagedBy(u) {
		return notFound("Recorder")
	}
	httpjson.Write(w, http.StatusOK, newRecorderBody(rec, u))
	return nil
}

// handleRecorderCreate serves POST /api/v1/recorders: Pod's defaults for
// absent fields, and a random salt when none is given (the answer shows
// it); the recorder's directory is created with it.
func (h *Handler) handleRecorderCreate(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	rec := lectern.NewRecorder()
	rec.Salt = lectern.NewSalt()
	if err := decodeRecorder(w, r, rec); err != nil {
		return err
	}
	if err := h.deps.Recorders.CreateRecorder(r.Context(), rec); err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%sapi/v1/recorders/%d", h.deps.BaseURL, rec.ID))
	httpjson.Write(w, http.StatusCreated, newRecorderBody(rec, u))
	return nil
}

// handleRecorderUpdate serves PATCH /api/v1/recorders/{id}, a partial
// update. Renaming a directory that holds files is refused (409).
func (h *Handler) handleRecorderUpdate(w http.ResponseWriter, r *http.Request, u *lectern.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rec, err := h.deps.Recorders.FindRecorderByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := decodeRecorder(w, r, rec); err != nil {
		return err
	}
	if err := h.deps.Recorders.UpdateRecorder(r.Context(), rec); err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, newRecorderBody(rec, u))
	return nil
}

// handleRecorderDelete serves DELETE /api/v1/recorders/{id}; the directory
// and its files stay on disk.
func (h *Handler) handleRecorderDelete(w http.ResponseWriter, r *http.Request, _ *lectern.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.deps.Recorders.DeleteRecorder(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
