package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lectern"
	"lectern/api"
	"lectern/sqldb"
)

// uploadRoutes are the /api/v1 routes the upload handler (intake/upload,
// mounted beside the API by cmd/lectern) serves: described, but not
// registered by api.New.
var uploadRoutes = []string{
	"POST /api/v1/recording-files",
	"OPTIONS /api/v1/uploads/",
	"POST /api/v1/uploads/",
	"HEAD /api/v1/uploads/{upload}",
	"PATCH /api/v1/uploads/{upload}",
	"DELETE /api/v1/uploads/{upload}",
}

// openAPIDoc is api/openapi.json as plain JSON.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatalf("api/openapi.json: %v", err)
	}
	return doc
}

// TestOpenAPIValid: the description is valid OpenAPI 3.1 (its schema,
// then every $ref resolved by the validator's model).
func TestOpenAPIValid(t *testing.T) {
	t.Parallel()
	v, err := describe()
	if err != nil {
		t.Fatal(err)
	}
	if ok, errs := v.ValidateDocument(); !ok {
		t.Fatalf("api/openapi.json is not valid OpenAPI 3.1:\n%s", explain(errs))
	}
	if got := openAPIDoc(t)["openapi"]; got != "3.1.0" {
		t.Errorf("openapi = %v", got)
	}
}

// TestOpenAPIRoutes: every route New registers (with every optional
// service) is described, and every described operation is a route of
// New or of the upload handler.
func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	b := setupJobs(t)
	h := api.New(api.Deps{Users: b.users, Types: b.types, Recorders: b.recorders, Tokens: b.tokens, // every optional service set
		Recordings: b.recordings, Videos: b.videos, Jobs: b.jobs, Messages: sqldb.NewMessageService(b.db, nil),
		Events: sqldb.NewEventService(b.db)})
	registered := append(h.Routes(), uploadRoutes...)
	slices.Sort(registered)
	var described []string
	for path, item := range openAPIDoc(t)["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			described = append(described, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(described)
	if diff := cmp.Diff(registered, described); diff != "" {
		t.Errorf("routes (-registered +described):\n%s", diff)
	}
}

// TestOpenAPIEnums: the description's enums are the core's lists.
func TestOpenAPIEnums(t *testing.T) {
	t.Parallel()
	schemas := openAPIDoc(t)["components"].(map[string]any)["schemas"].(map[string]any)
	for name, want := range map[string][]string{
		"TreatmentState": lectern.TreatmentStates,
		"EncodingState":  lectern.EncodingStates,
		"JobKind":        lectern.JobKinds,
		"JobState":       lectern.JobStates,
		"MessageState":   lectern.MessageStates,
		"MessageKind":    {lectern.MessageNewRecording, lectern.MessageAdminReport, lectern.MessageMissedRecording},
		"RecordingType":  lectern.RecordingTypes,
		"Licence":        append([]string{""}, lectern.Licences...),
		"Cursus":         lectern.CursusCodes,
		"DetectionPath": {lectern.SourceFTP, lectern.SourceWatch, lectern.SourceRescan, lectern.SourceCron,
			lectern.SourceNotify, lectern.SourceHTTP, lectern.SourceOpencast, lectern.SourceSFTP},
		"RenditionKind":  {lectern.RenditionMP4, lectern.RenditionHLS, lectern.RenditionM4A, lectern.RenditionPresentation},
		"RenditionState": {lectern.RenditionReady, lectern.RenditionComing, lectern.RenditionFailed},
		"Flavor":         {lectern.FlavorPresenter, lectern.FlavorPresentation},
	} {
		var got []string
		for _, v := range schemas[name].(map[string]any)["enum"].([]any) {
			got = append(got, v.(string))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-core +described):\n%s", name, diff)
		}
	}
}

// TestOpenAPIServed: GET /api/v1/openapi.json needs no token, is the
// embedded file, and revalidates with its ETag.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.do(t, "GET", "/api/v1/openapi.json", "", nil)
	want(t, r, http.StatusOK)
	if !bytes.Equal(r.body, api.OpenAPI) {
		t.Error("the answer is not api/openapi.json")
	}
	etag := r.header.Get("ETag")
	if etag == "" || !strings.Contains(r.header.Get("Cache-Control"), "max-age") {
		t.Fatalf("ETag %q, Cache-Control %q", etag, r.header.Get("Cache-Control"))
	}
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		req, err := http.NewRequestWithContext(b.ctx, "GET", b.srv.URL+"/api/v1/openapi.json", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("If-None-Match", inm)
		resp, err := b.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match %s: status %d", inm, resp.StatusCode)
		}
	}
	// A token is not needed, and a bad one is not looked at.
	want(t, b.do(t, "GET", "/api/v1/openapi.json", "Token nope", nil), http.StatusOK)
}
