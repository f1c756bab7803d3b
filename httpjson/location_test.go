package httpjson

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type inner struct {
	At time.Time `json:"at"`
}

type outer struct {
	inner                    // unexported, embedded: its fields are outer's
	When    *time.Time       `json:"when"`
	Never   time.Time        `json:"never"`
	List    []inner          `json:"list"`
	ByName  map[string]inner `json:"by_name"`
	Any     any              `json:"any"`
	private time.Time
}

func TestWriteInLocation(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	winter := time.Date(2026, 12, 6, 8, 45, 0, 0, time.UTC)
	summer := time.Date(2026, 7, 14, 7, 5, 0, 0, time.UTC)
	v := outer{inner: inner{At: winter}, When: &summer, List: []inner{{At: winter}},
		ByName: map[string]inner{"a": {At: summer}}, Any: inner{At: winter}, private: winter}

	rec := httptest.NewRecorder()
	Write(InLocation(rec, paris), 200, v)
	want := `{"at":"2026-12-06T09:45:00+01:00","when":"2026-07-14T09:05:00+02:00","never":"0001-01-01T00:00:00Z",` +
		`"list":[{"at":"2026-12-06T09:45:00+01:00"}],"by_name":{"a":{"at":"2026-07-14T09:05:00+02:00"}},` +
		`"any":{"at":"2026-12-06T09:45:00+01:00"}}`
	if got := strings.TrimSpace(rec.Body.String()); got != want {
		t.Errorf("in Europe/Paris:\n got %s\nwant %s", got, want)
	}
	if !v.At.Equal(winter) || v.Any.(inner).At.Location() != time.UTC || v.private.Location() != time.UTC {
		t.Errorf("the caller's value changed: %+v", v)
	}

	rec = httptest.NewRecorder()
	Write(rec, 200, inner{At: winter})
	if got := strings.TrimSpace(rec.Body.String()); got != `{"at":"2026-12-06T08:45:00Z"}` {
		t.Errorf("without a location: %s", got)
	}
	if w := InLocation(rec, nil); w != rec {
		t.Error("InLocation(w, nil) wraps w")
	}
}
