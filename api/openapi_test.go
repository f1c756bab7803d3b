package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"

	"lectern/api"
)

// The description is parsed once per test binary; every API test's
// server is wrapped in checked, which validates each exchange against it.
var (
	describe = sync.OnceValues(func() (validator.Validator, error) {
		doc, err := libopenapi.NewDocument(api.OpenAPI)
		if err != nil {
			return nil, fmt.Errorf("parse api/openapi.json: %w", err)
		}
		v, errs := validator.NewValidator(doc, config.WithFormatAssertions(), config.WithStrictMode(),
			// The plumbing's headers on every answer (httpjson.Write).
			config.WithStrictIgnoredHeadersExtra("X-Content-Type-Options", "Cache-Control"),
			// An error's fields are a map: any key (a field's name); the
			// description itself is described as an object only.
			config.WithStrictIgnorePaths("$.body.fields.*", "$.body.info.**", "$.body.paths.**", "$.body.paths['/api/v1/openapi.json']", "$.body.components.**"))
		if len(errs) > 0 {
			return nil, fmt.Errorf("build the validator: %v", errs)
		}
		return v, nil
	})
	// validateMu: the validator's caches are not documented as safe for
	// parallel use; validating is quick next to the requests.
	validateMu sync.Mutex
)

// checked wraps the API handler h so that every request and answer of
// the test is checked against api/openapi.json: the answer always (its
// status must be described, its body must match its schema), the request
// when the API accepted it (2xx or 304: a request the API takes is one
// the description allows). A request to no described route must get one
// of the mux's JSON 404, 405 or the body limit's 413.
func checked(t testing.TB, h http.Handler) http.Handler {
	v, err := describe()
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			// A body the client broke off: let the API answer it.
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
			h.ServeHTTP(w, r)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		res := rec.Result()
		if msg := check(v, r, body, res, rec.Body.Bytes()); msg != "" {
			t.Errorf("%s %s → %d: not as api/openapi.json says:\n%s\nrequest body: %.300s\nanswer: %.600s",
				r.Method, r.URL.RequestURI(), res.StatusCode, msg, body, rec.Body.Bytes())
		}
		for k, vs := range res.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(res.StatusCode)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// check returns what in the exchange disagrees with the description, ""
// when nothing does.
func check(v validator.Validator, r *http.Request, reqBody []byte, res *http.Response, resBody []byte) string {
	validateMu.Lock()
	defer validateMu.Unlock()
	req := r.Clone(r.Context())
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	res.Body = io.NopCloser(bytes.NewReader(resBody))
	res.Request = req
	_, errs := v.ValidateHttpResponse(req, res)
	if unrouted(errs) {
		return checkUnrouted(res, resBody)
	}
	if res.StatusCode/100 == 2 || res.StatusCode == http.StatusNotModified {
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
		lenient(req)
		_, reqErrs := v.ValidateHttpRequest(req)
		errs = append(errs, reqErrs...)
	}
	return explain(errs)
}

// lenient removes from req what the API tolerates though the description
// does not allow it, as Django REST framework does: a page_size that is
// not a positive integer means the default (the description says so).
func lenient(req *http.Request) {
	q := req.URL.Query()
	if s := q.Get("page_size"); s != "" {
		if n, err := strconv.Atoi(s); err != nil || n < 1 {
			q.Del("page_size")
			req.URL.RawQuery = q.Encode()
		}
	}
}

// unrouted reports whether errs say the request names no described
// operation.
func unrouted(errs []*verrors.ValidationError) bool {
	for _, e := range errs {
		if e.ValidationType == helpers.PathValidation || e.ValidationSubType == helpers.ValidationMissingOperation {
			return true
		}
	}
	return false
}

// checkUnrouted holds an answer to a route the description does not name
// to the mux's JSON 404 and 405 and the body limit's 413.
func checkUnrouted(res *http.Response, body []byte) string {
	if !slices.Contains([]int{http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge}, res.StatusCode) {
		return fmt.Sprintf("no described operation answers this, yet it got %d", res.StatusCode)
	}
	var e map[string]any
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Sprintf("an unrouted error that is not JSON: %v", err)
	}
	if d, _ := e["detail"].(string); d == "" || len(e) != 1 {
		return "an unrouted error that is not {\"detail\": \"...\"}"
	}
	return ""
}

func explain(errs []*verrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  %s (%s/%s)", e.Message, e.ValidationType, e.ValidationSubType)
		if e.Reason != "" {
			fmt.Fprintf(&b, ": %s", e.Reason)
		}
		for _, s := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n    %s: %s", s.FieldPath, s.Reason)
		}
		b.WriteString("\n")
	}
	return b.String()
}
