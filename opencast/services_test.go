package opencast_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestServices reads the registry as pyCA's get_service does: services
// .service, one object or a list, each host + path, online and active.
func TestServices(t *testing.T) {
	t.Parallel()
	b := newBundle(t, nil)
	for typ, path := range map[string]string{
		"org.opencastproject.capture.admin": "/capture-admin",
		"org.opencastproject.scheduler":     "/recordings",
		"org.opencastproject.ingest":        "/ingest",
	} {
		resp, body := b.do(t, "GET", "/services/available.json?serviceType="+typ, "ca-a", "pw-a", "", nil)
		var got struct {
			Services struct {
				Service struct {
					Host, Path, Type            string
					Online, Active, Maintenance bool
				}
			}
		}
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &got) != nil {
			t.Fatalf("%s: %d %s", typ, resp.StatusCode, body)
		}
		s := got.Services.Service
		if s.Host+s.Path != "http://lectern.example"+path || !s.Online || !s.Active || s.Maintenance || s.Type != typ {
			t.Errorf("%s: %+v", typ, s)
		}
	}
	_, body := b.do(t, "GET", "/services/available.json", "ca-a", "pw-a", "", nil)
	var all struct {
		Services struct{ Service []map[string]any }
	}
	if err := json.Unmarshal([]byte(body), &all); err != nil || len(all.Services.Service) != 3 {
		t.Errorf("every service: %s, %v", body, err)
	}
	if _, body := b.do(t, "GET", "/services/available.json?serviceType=org.opencastproject.search", "ca-a", "pw-a", "", nil); body != `{"services":{}}`+"\n" {
		t.Errorf("unknown service: %s", body)
	}
	if resp, _ := b.do(t, "GET", "/services/available.json", "", "", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without credentials: %d", resp.StatusCode)
	}
}
