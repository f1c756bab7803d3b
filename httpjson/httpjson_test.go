package httpjson_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"lectern"
	"lectern/httpjson"
)

func TestResponse(t *testing.T) {
	t.Parallel()
	fields := map[string]string{"name": "This field is required."}
	coded := func(code string) error {
		return &lectern.Error{Op: "test", Code: code, Message: "Said " + code + ".", Fields: fields}
	}
	for _, c := range []struct {
		name       string
		err        error
		status     int
		detail     string
		withFields bool
		internal   bool
	}{
		{"EINVALID", coded(lectern.EINVALID), http.StatusBadRequest, "Said invalid.", true, false},
		{"ECONFLICT", coded(lectern.ECONFLICT), http.StatusConflict, "Said conflict.", true, false},
		{"ENOTFOUND", coded(lectern.ENOTFOUND), http.StatusNotFound, "Said not_found.", false, false},
		{"EUNAUTHORIZED", coded(lectern.EUNAUTHORIZED), http.StatusUnauthorized, "Said unauthorized.", false, false},
		{"EFORBIDDEN", coded(lectern.EFORBIDDEN), http.StatusForbidden, "Said forbidden.", false, false},
		{"wrapped", fmt.Errorf("handler: %w", coded(lectern.ENOTFOUND)), http.StatusNotFound, "Said not_found.", false, false},
		{"EINTERNAL", coded(lectern.EINTERNAL), http.StatusInternalServerError, "Internal error.", false, true},
		{"plain", errors.New("disk on fire"), http.StatusInternalServerError, "Internal error.", false, true},
		{"exchange", &httpjson.Error{Status: http.StatusRequestEntityTooLarge, Detail: "Too large."}, http.StatusRequestEntityTooLarge, "Too large.", false, false},
		{"wrapped exchange", fmt.Errorf("read: %w", &httpjson.Error{Status: http.StatusLocked, Detail: "Busy."}), http.StatusLocked, "Busy.", false, false},
	} {
		status, body, internal := httpjson.Response(c.err)
		if status != c.status || body.Detail != c.detail || internal != c.internal {
			t.Errorf("%s: Response = %d, %q, internal %t; want %d, %q, %t", c.name, status, body.Detail, internal, c.status, c.detail, c.internal)
		}
		if got := body.Fields != nil; got != c.withFields {
			t.Errorf("%s: fields %v, want them: %t", c.name, body.Fields, c.withFields)
		}
	}
}

func TestWrite(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		status int
		v      any
		want   int
		body   string
	}{
		{"object", http.StatusCreated, map[string]int{"id": 7}, http.StatusCreated, `{"id":7}` + "\n"},
		{"error body", http.StatusBadRequest, httpjson.ErrorBody{Detail: "No."}, http.StatusBadRequest, `{"detail":"No."}` + "\n"},
		{"fields", http.StatusConflict, httpjson.ErrorBody{Detail: "Taken.", Fields: map[string]string{"name": "Taken."}},
			http.StatusConflict, `{"detail":"Taken.","fields":{"name":"Taken."}}` + "\n"},
		{"not encodable", http.StatusOK, func() {}, http.StatusInternalServerError, `{"detail":"Internal error."}` + "\n"},
	} {
		w := httptest.NewRecorder()
		httpjson.Write(w, c.status, c.v)
		if w.Code != c.want || w.Body.String() != c.body {
			t.Errorf("%s: %d %q, want %d %q", c.name, w.Code, w.Body.String(), c.want, c.body)
		}
		for k, v := range map[string]string{
			"Content-Type":           "application/json; charset=utf-8",
			"X-Content-Type-Options": "nosniff",
			"Cache-Control":          "no-store",
		} {
			if got := w.Header().Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", c.name, k, got, v)
			}
		}
	}
}

func TestWriteError(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		err      error
		status   int
		body     string
		wwwAuth  string
		loggedOK bool
	}{
		{"unauthorized", lectern.Errorf(lectern.EUNAUTHORIZED, "Who?"), http.StatusUnauthorized, `{"detail":"Who?"}` + "\n", "Token", false},
		{"forbidden", lectern.Errorf(lectern.EFORBIDDEN, "No."), http.StatusForbidden, `{"detail":"No."}` + "\n", "", false},
		{"exchange", &httpjson.Error{Status: http.StatusMethodNotAllowed, Detail: "Method \"PUT\" not allowed."},
			http.StatusMethodNotAllowed, `{"detail":"Method \"PUT\" not allowed."}` + "\n", "", false},
		{"internal", errors.New("disk on fire"), http.StatusInternalServerError, `{"detail":"Internal error."}` + "\n", "", true},
	} {
		var log bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&log, nil))
		w := httptest.NewRecorder()
		r := httptest.NewRequest("PUT", "/api/v1/things?x=1", nil)
		httpjson.WriteError(w, r, c.err, logger, "thing failed")
		if w.Code != c.status || w.Body.String() != c.body {
			t.Errorf("%s: %d %q, want %d %q", c.name, w.Code, w.Body.String(), c.status, c.body)
		}
		if got := w.Header().Get("WWW-Authenticate"); got != c.wwwAuth {
			t.Errorf("%s: WWW-Authenticate = %q, want %q", c.name, got, c.wwwAuth)
		}
		if got := w.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
			t.Errorf("%s: Content-Type = %q", c.name, got)
		}
		n := strings.Count(log.String(), "thing failed")
		if c.loggedOK {
			if n != 1 || !strings.Contains(log.String(), "method=PUT path=/api/v1/things err=\"disk on fire\"") {
				t.Errorf("%s: log = %q, want the error once with method, path and err", c.name, log.String())
			}
		} else if n != 0 {
			t.Errorf("%s: logged an expected error: %q", c.name, log.String())
		}
	}
}

func TestToken(t *testing.T) {
	t.Parallel()
	const (
		missing = "Authentication credentials were not provided."
		bad     = "Invalid token header: send \"Authorization: Token <token>\"."
	)
	for _, c := range []struct {
		name, header, token, detail string
	}{
		{"no token", "", "", missing},
		{"blank", "   ", "", missing},
		{"wrong scheme", "Basic Ym9zczpzZWNyZXQ=", "", missing},
		{"scheme glued to token", "Tokenabc", "", missing},
		{"Token", "Token abc123", "abc123", ""},
		{"Bearer", "Bearer abc123", "abc123", ""},
		{"token", "token abc123", "abc123", ""},
		{"bearer", "bearer abc123", "abc123", ""},
		{"BEARER, two spaces", "BEARER  abc123", "abc123", ""},
		{"surrounding space", "  Token abc123  ", "abc123", ""},
		{"empty token", "Token ", "", bad},
		{"scheme only", "Bearer", "", bad},
		{"token with spaces", "Token abc 123", "", bad},
		{"token with a tab", "Token abc\t123", "", bad},
	} {
		token, err := httpjson.Token(c.header)
		if c.detail == "" {
			if err != nil || token != c.token {
				t.Errorf("%s: Token(%q) = %q, %v; want %q", c.name, c.header, token, err, c.token)
			}
			continue
		}
		if token != "" || lectern.ErrorCode(err) != lectern.EUNAUTHORIZED || lectern.ErrorMessage(err) != c.detail {
			t.Errorf("%s: Token(%q) = %q, %v; want EUNAUTHORIZED %q", c.name, c.header, token, err, c.detail)
		}
	}
}

// tokens is a lectern.TokenService holding one token.
type tokens struct {
	token string
	user  *lectern.User
}

func (s tokens) CreateToken(context.Context, int64) (string, error) {
	return "", errors.New("not here")
}

func (s tokens) FindUserByToken(_ context.Context, token string) (*lectern.User, error) {
	if token != s.token {
		return nil, lectern.Errorf(lectern.EUNAUTHORIZED, "Invalid token.")
	}
	return s.user, nil
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	alice := &lectern.User{ID: 1, Username: "alice", IsActive: true}
	svc := tokens{token: "abc123", user: alice}
	for _, c := range []struct {
		name, header string
		user         *lectern.User
		detail       string
	}{
		{"found", "Token abc123", alice, ""},
		{"bearer", "bearer abc123", alice, ""},
		{"unknown", "Token nope", nil, "Invalid token."},
		{"no token", "", nil, "Authentication credentials were not provided."},
		{"empty token", "Token ", nil, "Invalid token header: send \"Authorization: Token <token>\"."},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if c.header != "" {
			r.Header.Set("Authorization", c.header)
		}
		r.AddCookie(&http.Cookie{Name: "session", Value: "abc123"}) // never read
		u, err := httpjson.Authenticate(r, svc)
		if u != c.user {
			t.Errorf("%s: user %v, want %v", c.name, u, c.user)
		}
		if c.detail == "" && err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if c.detail != "" && (lectern.ErrorCode(err) != lectern.EUNAUTHORIZED || lectern.ErrorMessage(err) != c.detail) {
			t.Errorf("%s: err %v, want EUNAUTHORIZED %q", c.name, err, c.detail)
		}
	}
}

func TestAllow(t *testing.T) {
	t.Parallel()
	var (
		user  = &lectern.User{Username: "user"}
		staff = &lectern.User{Username: "staff", IsStaff: true}
		super = &lectern.User{Username: "super", IsSuperuser: true}
	)
	for _, c := range []struct {
		user *lectern.User
		need httpjson.Access
		ok   bool
	}{
		{user, httpjson.AnyUser, true},
		{user, httpjson.Staff, false},
		{user, httpjson.Superuser, false},
		{staff, httpjson.AnyUser, true},
		{staff, httpjson.Staff, true},
		{staff, httpjson.Superuser, false},
		{super, httpjson.AnyUser, true},
		{super, httpjson.Staff, true},
		{super, httpjson.Superuser, true},
	} {
		err := httpjson.Allow(c.user, c.need)
		if c.ok && err != nil {
			t.Errorf("%s, %d: %v", c.user.Username, c.need, err)
		}
		if !c.ok && (lectern.ErrorCode(err) != lectern.EFORBIDDEN ||
			lectern.ErrorMessage(err) != "You do not have permission to perform this action.") {
			t.Errorf("%s, %d: err %v, want EFORBIDDEN", c.user.Username, c.need, err)
		}
	}
}
