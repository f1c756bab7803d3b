package opencast

import (
	"encoding/json"
	"net/http"
	"strings"
)

// The services agents look up in the registry, with the paths Opencast
// gives them: an agent appends its calls to host + path.
var services = []struct{ typ, path string }{
	{"org.opencastproject.capture.admin", "/capture-admin"},
	{"org.opencastproject.scheduler", "/recordings"},
	{"org.opencastproject.ingest", "/ingest"},
}

// registryEntry is one service registration, in Opencast's JSON names.
// pyCA reads host, path, online and active; Galicaster host, online and
// maintenance.
type registryEntry struct {
	Type           string `json:"type"`
	Host           string `json:"host"`
	Path           string `json:"path"`
	Version        string `json:"version"`
	Active         bool   `json:"active"`
	Online         bool   `json:"online"`
	Maintenance    bool   `json:"maintenance"`
	JobProducer    bool   `json:"jobproducer"`
	OnlineFrom     string `json:"onlinefrom"`
	ServiceState   string `json:"service_state"`
	StateChanged   string `json:"state_changed"`
	ErrorTrigger   int    `json:"error_state_trigger"`
	WarningTrigger int    `json:"warning_state_trigger"`
}

// handleServices serves GET /services/available.json?serviceType=…: an
// online, active registration on BASE_URL for each service asked for. As
// Opencast's, the answer holds one object for one service and a list for
// several ({"services":{"service":{…}}}); none is {"services":{}}.
func (s *Server) handleServices(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.auth.Recorder(w, r); !ok {
		return
	}
	typ := strings.TrimSpace(r.URL.Query().Get("serviceType"))
	since := s.now().UTC().Format("2006-01-02T15:04:05Z")
	var found []registryEntry
	for _, svc := range services {
		if typ == "" || typ == svc.typ {
			found = append(found, registryEntry{Type: svc.typ, Host: s.cfg.BaseURL, Path: svc.path, Version: "lectern",
				Active: true, Online: true, OnlineFrom: since, ServiceState: "NORMAL", StateChanged: since})
		}
	}
	body := map[string]any{}
	switch len(found) {
	case 0:
	case 1:
		body["service"] = found[0]
	default:
		body["service"] = found
	}
	writeJSON(w, map[string]any{"services": body})
}

// handleMe serves GET /info/me.json, which Galicaster calls first to see
// that it may log in: the recorder as the user it logged in as, with
// Opencast's capture agent role.
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.auth.Recorder(w, r)
	if !ok {
		return
	}
	writeJSON(w, map[string]any{
		"user": map[string]any{"username": rec.CredentialsLogin, "name": rec.Name, "email": "", "provider": "lectern"},
		"org": map[string]any{"id": "mh_default_org", "name": "Lectern", "adminRole": "ROLE_ADMIN",
			"anonymousRole": "ROLE_ANONYMOUS", "properties": map[string]string{}},
		"roles":    []string{"ROLE_CAPTURE_AGENT", "ROLE_USER"},
		"userRole": "ROLE_USER_" + strings.ToUpper(rec.CredentialsLogin),
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}
