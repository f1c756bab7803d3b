package lectern_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"lectern"
)

func TestCleanLogin(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"amphi-a":                  "amphi-a",
		"é\x00\x1b[2J":             `é\x00\x1b[2J`,
		"a\xffb":                   `a\xffb`,
		"evil\u202etxt.mp4":        `evil\u202etxt.mp4`,
		strings.Repeat("x", 100):   strings.Repeat("x", lectern.LoginShownMax) + "…",
		strings.Repeat("\x01", 20): strings.Repeat(`\x01`, 16) + "…",
	} {
		if got := lectern.CleanLogin(in); got != want {
			t.Errorf("CleanLogin(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHealthVerdict(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	ago := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
	for name, tc := range map[string]struct {
		h    lectern.RecorderHealth
		want string
	}{
		"nothing ever": {lectern.RecorderHealth{}, lectern.HealthNeverConnected},
		"wrong password": {lectern.RecorderHealth{Contact: lectern.RecorderContact{FailureAt: ago(1), FailureReason: lectern.LoginWrongPassword}},
			lectern.HealthLoginFailing},
		"failing since it last logged in": {lectern.RecorderHealth{Contact: lectern.RecorderContact{LoginAt: ago(5), FailureAt: ago(1)},
			Activity: lectern.RecorderActivity{LastDepositAt: ago(4), LastState: lectern.TreatmentPublished}}, lectern.HealthLoginFailing},
		"a mistyped login from its address": {lectern.RecorderHealth{AddressFailure: &lectern.LoginFailure{At: ago(1), Reason: lectern.LoginUnknown}},
			lectern.HealthLoginFailing},
		"a failure then a login": {lectern.RecorderHealth{Contact: lectern.RecorderContact{LoginAt: ago(1), FailureAt: ago(2)}},
			lectern.HealthNothingSent},
		"an agent polls": {lectern.RecorderHealth{AgentContact: ago(1)}, lectern.HealthNothingSent},
		"refused files": {lectern.RecorderHealth{Contact: lectern.RecorderContact{LoginAt: ago(3)},
			Activity: lectern.RecorderActivity{LastDepositAt: ago(2), LastState: lectern.TreatmentIgnored}}, lectern.HealthFilesRefused},
		"fine": {lectern.RecorderHealth{Contact: lectern.RecorderContact{LoginAt: ago(3)},
			Activity: lectern.RecorderActivity{LastDepositAt: ago(2), LastState: lectern.TreatmentNotified}}, lectern.HealthFine},
		"quiet for weeks": {lectern.RecorderHealth{Contact: lectern.RecorderContact{LoginAt: ago(24 * 20)},
			Activity: lectern.RecorderActivity{LastDepositAt: ago(24 * 20), LastState: lectern.TreatmentPublished}}, lectern.HealthSilent},
	} {
		if got := tc.h.Verdict(now, week); got != tc.want {
			t.Errorf("%s: %s, want %s", name, got, tc.want)
		}
	}
}

// countingHealth records what a ContactLog writes.
type countingHealth struct {
	lectern.RecorderHealthService
	mu     sync.Mutex
	writes [][]lectern.ContactUpdate
	wrote  chan struct{}
}

func (c *countingHealth) SaveContacts(_ context.Context, u []lectern.ContactUpdate) error {
	c.mu.Lock()
	c.writes = append(c.writes, u)
	c.mu.Unlock()
	c.wrote <- struct{}{}
	return nil
}

// TestContactLogCoalesces: the first attempt is written at once, the
// next thousand within the interval in one more write, each recorder's
// and each login's summed.
func TestContactLogCoalesces(t *testing.T) {
	t.Parallel()
	store := &countingHealth{wrote: make(chan struct{}, 10)}
	log := &lectern.ContactLog{Store: store, Interval: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { log.Run(ctx); close(done) }()
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	log.Record(lectern.LoginAttempt{RecorderID: 1, Login: "a", At: t0})
	<-store.wrote
	for i := range 1000 {
		log.Record(lectern.LoginAttempt{RecorderID: 1, Login: "a", At: t0.Add(time.Duration(i+1) * time.Millisecond), Reason: lectern.LoginWrongPassword})
		log.Record(lectern.LoginAttempt{Login: "guess", At: t0.Add(time.Duration(i+1) * time.Millisecond), Reason: lectern.LoginUnknown})
	}
	log.Record(lectern.LoginAttempt{RecorderID: 1, Login: "a", At: t0.Add(time.Second)})
	log.Record(lectern.LoginAttempt{RecorderID: 1, Login: "a", At: t0.Add(2 * time.Second), Reason: lectern.LoginThrottled})
	cancel()
	<-done
	if len(store.writes) != 2 {
		t.Fatalf("%d writes, want 2", len(store.writes))
	}
	for _, u := range store.writes[1] {
		switch u.RecorderID {
		case 1:
			if !u.Success.At.Equal(t0.Add(time.Second)) || u.Failures != 1 || u.Failure.Reason != lectern.LoginThrottled {
				t.Errorf("recorder's update: %+v", u)
			}
		case 0:
			if u.Login != "guess" || u.Failures != 1000 {
				t.Errorf("login's update: %+v", u)
			}
		}
	}
}

// TestContactLogBounded: logins tried by the thousand between two writes
// keep at most ContactLogMaxPending of them; the recorders' own are kept.
func TestContactLogBounded(t *testing.T) {
	t.Parallel()
	store := &countingHealth{wrote: make(chan struct{}, 10)}
	log := &lectern.ContactLog{Store: store}
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for i := range 5000 {
		log.Record(lectern.LoginAttempt{Login: fmt.Sprintf("guess%d", i), At: t0, Reason: lectern.LoginUnknown})
	}
	log.Record(lectern.LoginAttempt{RecorderID: 7, Login: "rec", At: t0, Reason: lectern.LoginWrongPassword})
	if err := log.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-store.wrote
	got := store.writes[0]
	if len(got) != lectern.ContactLogMaxPending+1 {
		t.Fatalf("%d updates written, want %d", len(got), lectern.ContactLogMaxPending+1)
	}
	found := false
	for _, u := range got {
		found = found || u.RecorderID == 7
	}
	if !found {
		t.Error("the recorder's own attempt was dropped")
	}
}
