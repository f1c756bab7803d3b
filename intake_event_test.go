package lectern_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

// scheduleIntake is an intake with a schedule: a recorder managed by
// b.manager, an owner who is not its manager, and an event of theirs
// 10:00–11:00 UTC on 2 Feb 2026.
type scheduleIntake struct {
	*intakeBundle
	events   *sqldb.EventService
	rec      *lectern.Recorder
	owner    int64
	event    *lectern.Event
	slotFrom time.Time
}

func newScheduleIntake(tb testing.TB, change func(*lectern.Recorder)) *scheduleIntake {
	tb.Helper()
	b := newIntake(tb)
	mgr := b.manager.ID
	owner := &lectern.User{Username: "owner", IsActive: true, IsStaff: true}
	if err := sqldb.NewUserService(b.db).CreateUser(context.Background(), owner); err != nil {
		tb.Fatal(err)
	}
	s := &scheduleIntake{intakeBundle: b, events: sqldb.NewEventService(b.db), owner: owner.ID,
		slotFrom: time.Date(2026, 2, 2, 10, 0, 0, 0, time.UTC)}
	s.rec = b.recorder("room", "room", func(r *lectern.Recorder) {
		r.UserID = &mgr
		if change != nil {
			change(r)
		}
	})
	b.in.Events = s.events
	s.event = &lectern.Event{RecorderID: s.rec.ID, Start: s.slotFrom, End: s.slotFrom.Add(time.Hour),
		Title: "Algebra 1", OwnerID: &s.owner}
	if err := s.events.CreateEvent(context.Background(), s.event); err != nil {
		tb.Fatal(err)
	}
	return s
}

// update saves a change to the event.
func (s *scheduleIntake) update(tb testing.TB, change func(*lectern.Event)) {
	tb.Helper()
	change(s.event)
	if err := s.events.UpdateEvent(context.Background(), s.event); err != nil {
		tb.Fatal(err)
	}
}

// wasUsed tells whether event id routed a deposit.
func (s *scheduleIntake) wasUsed(tb testing.TB, id int64) bool {
	tb.Helper()
	ev, err := s.events.FindEventByID(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return !ev.UsedAt.IsZero()
}

// deposit writes a file of the recorder, modified at mtime, and completes
// it.
func (s *scheduleIntake) deposit(tb testing.TB, name string, mtime time.Time) *lectern.Treatment {
	tb.Helper()
	p := s.file(tb, "room/"+name, 100)
	return s.complete(tb, p, mtime)
}

func (s *scheduleIntake) complete(tb testing.TB, p string, mtime time.Time) *lectern.Treatment {
	tb.Helper()
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		tb.Fatal(err)
	}
	tr, created, err := s.in.Complete(context.Background(), lectern.Deposit{Path: p, Source: lectern.SourceFTP})
	if err != nil || !created {
		tb.Fatalf("Complete: %v %v", created, err)
	}
	return tr
}

func eventIs(tr *lectern.Treatment, ev *lectern.Event) bool {
	if ev == nil {
		return tr.EventID == nil
	}
	return tr.EventID != nil && *tr.EventID == ev.ID
}

func TestIntakeScheduleByModTime(t *testing.T) {
	t.Parallel()
	s := newScheduleIntake(t, nil)
	tol := lectern.DefaultScheduleTolerance
	for _, c := range []struct {
		name  string
		mtime time.Time
		in    bool
	}{
		{"inside.mp4", s.slotFrom.Add(30 * time.Minute), true},
		{"end.mp4", s.slotFrom.Add(time.Hour), true},
		{"late-edge.mp4", s.slotFrom.Add(time.Hour + tol), true},
		{"early-edge.mp4", s.slotFrom.Add(-tol), true},
		{"too-late.mp4", s.slotFrom.Add(time.Hour + tol + time.Second), false},
		{"too-early.mp4", s.slotFrom.Add(-tol - time.Second), false},
		{"forged-past.mp4", time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		tr := s.deposit(t, c.name, c.mtime)
		want, state := s.event, lectern.TreatmentToNotify
		if !c.in {
			want = nil
		}
		if !eventIs(tr, want) || tr.State != state {
			t.Errorf("%s: event %v, state %s; want in the event: %v", c.name, tr.EventID, tr.State, c.in)
		}
	}
	if !s.wasUsed(t, s.event.ID) {
		t.Error("the event routed deposits but is not marked used")
	}
}

func TestIntakeScheduleTolerance(t *testing.T) {
	t.Parallel()
	s := newScheduleIntake(t, nil)
	s.in.ScheduleTolerance = time.Minute
	if tr := s.deposit(t, "a.mp4", s.slotFrom.Add(-2*time.Minute)); tr.EventID != nil {
		t.Errorf("2 min early with 1 min tolerance: routed by event %d", *tr.EventID)
	}
	if tr := s.deposit(t, "b.mp4", s.slotFrom.Add(-time.Minute)); !eventIs(tr, s.event) {
		t.Errorf("1 min early with 1 min tolerance: event %v", tr.EventID)
	}
}

func TestIntakeScheduleRoutes(t *testing.T) {
	t.Parallel()
	in := time.Date(2026, 2, 2, 10, 30, 0, 0, time.UTC)
	t.Run("owner, manual publication", func(t *testing.T) {
		t.Parallel()
		s := newScheduleIntake(t, nil)
		if tr := s.deposit(t, "a.mp4", in); tr.State != lectern.TreatmentToNotify || !eventIs(tr, s.event) {
			t.Errorf("%s %v", tr.State, tr.EventID)
		}
	})
	t.Run("owner, automatic publication", func(t *testing.T) {
		t.Parallel()
		s := newScheduleIntake(t, func(r *lectern.Recorder) { r.PublicationAuto = true })
		if tr := s.deposit(t, "a.mp4", in); tr.State != lectern.TreatmentToPublish || !eventIs(tr, s.event) {
			t.Errorf("%s %v", tr.State, tr.EventID)
		}
	})
	t.Run("owner, recorder without manager", func(t *testing.T) {
		t.Parallel()
		s := newScheduleIntake(t, func(r *lectern.Recorder) { r.UserID = nil })
		if tr := s.deposit(t, "a.mp4", in); tr.State != lectern.TreatmentToNotify || tr.RequireManualClaim {
			t.Errorf("%s claim %v: the owner is mailed whatever the recorder", tr.State, tr.RequireManualClaim)
		}
	})
	t.Run("event without owner", func(t *testing.T) {
		t.Parallel()
		s := newScheduleIntake(t, func(r *lectern.Recorder) { r.UserID = nil })
		s.in.AllowClaiming = true
		s.update(t, func(ev *lectern.Event) { ev.OwnerID = nil })
		tr := s.deposit(t, "a.mp4", in)
		if tr.State != lectern.TreatmentToClaim || !eventIs(tr, s.event) {
			t.Errorf("%s %v: an owner-less event routes as today, and is still the deposit's", tr.State, tr.EventID)
		}
		if !s.wasUsed(t, s.event.ID) {
			t.Error("an owner-less event that was recorded is not used")
		}
	})
	t.Run("event of another recorder", func(t *testing.T) {
		t.Parallel()
		s := newScheduleIntake(t, nil)
		other := s.recorder("other", "other", nil)
		s.update(t, func(ev *lectern.Event) { ev.RecorderID = other.ID })
		if tr := s.deposit(t, "a.mp4", in); tr.EventID != nil || tr.State != lectern.TreatmentToNotify {
			t.Errorf("%s %v: another recorder's event matched", tr.State, tr.EventID)
		}
		if s.wasUsed(t, s.event.ID) {
			t.Error("another recorder's event marked used")
		}
	})
}

// ffmpegClip makes a one-second MP4 whose movie header says it was created
// at created (zero: no creation time).
func ffmpegClip(tb testing.TB, path string, created time.Time) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		tb.Fatal(err)
	}
	args := []string{"-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=5:duration=1",
		"-c:v", "mpeg4"}
	if !created.IsZero() {
		args = append(args, "-metadata", "creation_time="+created.Format(time.RFC3339))
	}
	args = append(args, "-y", path)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		tb.Fatalf("ffmpeg: %v\n%s", err, out)
	}
}

func TestMediaCreationTime(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	at := time.Date(2026, 2, 2, 10, 5, 7, 0, time.UTC)
	with, without := filepath.Join(dir, "with.mp4"), filepath.Join(dir, "without.mp4")
	ffmpegClip(t, with, at)
	ffmpegClip(t, without, time.Time{})
	if got, ok, err := lectern.MediaCreationTime(with); err != nil || !ok || !got.Equal(at) {
		t.Errorf("with creation_time: %v %v %v, want %v", got, ok, err, at)
	}
	if got, ok, err := lectern.MediaCreationTime(without); err != nil || ok {
		t.Errorf("without creation_time: %v %v %v, want none", got, ok, err)
	}
	mov := filepath.Join(dir, "epoch.mov")
	ffmpegClip(t, mov, time.Unix(0, 0).UTC())
	if got, ok, err := lectern.MediaCreationTime(mov); err != nil || ok {
		t.Errorf("Unix epoch: %v %v %v, want none", got, ok, err)
	}
	for name, content := range map[string][]byte{
		"text.mp4":       []byte("not a movie at all, just some text"),
		"short.mp4":      {0, 0, 0},
		"huge-box.mp4":   {0xff, 0xff, 0xff, 0xff, 'm', 'o', 'o', 'v'},
		"tiny-box.mp4":   {0, 0, 0, 4, 'm', 'o', 'o', 'v'},
		"empty-moov.mp4": {0, 0, 0, 8, 'm', 'o', 'o', 'v'},
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, content, 0o600)
		if got, ok, err := lectern.MediaCreationTime(p); err != nil || ok {
			t.Errorf("%s: %v %v %v, want none", name, got, ok, err)
		}
	}
}

func TestIntakeScheduleByMediaTime(t *testing.T) {
	t.Parallel()
	s := newScheduleIntake(t, nil)
	late := time.Date(2026, 2, 2, 12, 30, 0, 0, time.UTC) // uploaded well after the slot
	// Created in the slot, uploaded later: the media's time routes it.
	p := filepath.Join(s.root, "room", "in.mp4")
	ffmpegClip(t, p, s.slotFrom.Add(2*time.Minute))
	if tr := s.complete(t, p, late); !eventIs(tr, s.event) {
		t.Errorf("media time in the slot: event %v", tr.EventID)
	}
	// Created before the slot, modified in it: the media's time is the
	// capture time, and matches nothing.
	p = filepath.Join(s.root, "room", "before.mp4")
	ffmpegClip(t, p, s.slotFrom.Add(-3*time.Hour))
	if tr := s.complete(t, p, s.slotFrom.Add(30*time.Minute)); tr.EventID != nil {
		t.Errorf("media time before the slot: routed by event %d", *tr.EventID)
	}
	// A creation time after the file's last write is a lying clock: the
	// modification time routes it.
	p = filepath.Join(s.root, "room", "liar.mp4")
	ffmpegClip(t, p, late)
	if tr := s.complete(t, p, s.slotFrom.Add(50*time.Minute)); !eventIs(tr, s.event) {
		t.Errorf("media time after the last write: event %v", tr.EventID)
	}
}

func TestIntakeScheduleByEventUID(t *testing.T) {
	t.Parallel()
	s := newScheduleIntake(t, nil)
	ctx := context.Background()
	other := s.recorder("other", "other", nil)
	otherEvent := &lectern.Event{RecorderID: other.ID, Start: s.slotFrom.Add(-5 * time.Hour), End: s.slotFrom.Add(-4 * time.Hour),
		Title: "Another room's"}
	if err := s.events.CreateEvent(ctx, otherEvent); err != nil {
		t.Fatal(err)
	}
	ingest := func(name, uid string, mtime time.Time) *lectern.Treatment {
		t.Helper()
		p := s.file(t, "room/"+name, 100)
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		tr, created, err := s.in.Complete(ctx, lectern.Deposit{Path: p, Source: lectern.SourceOpencast, EventUID: uid})
		if err != nil || !created {
			t.Fatalf("Complete: %v %v", created, err)
		}
		return tr
	}
	// The ingest's event wins over a file time that matches nothing (an
	// agent that uploads the next day).
	if tr := ingest("uid.mp4", s.event.UID, s.slotFrom.Add(26*time.Hour)); !eventIs(tr, s.event) || tr.State != lectern.TreatmentToNotify {
		t.Errorf("by UID: event %v, state %s", tr.EventID, tr.State)
	}
	// Another recorder's event is ignored: the file's time decides.
	if tr := ingest("stolen.mp4", otherEvent.UID, s.slotFrom.Add(26*time.Hour)); tr.EventID != nil {
		t.Errorf("another recorder's UID routed the deposit by event %d", *tr.EventID)
	}
	if tr := ingest("stolen-in-slot.mp4", otherEvent.UID, s.slotFrom.Add(20*time.Minute)); !eventIs(tr, s.event) {
		t.Errorf("another recorder's UID, file time in the slot: event %v, want the recorder's own", tr.EventID)
	}
	if tr := ingest("unknown.mp4", "no-such-event", s.slotFrom.Add(26*time.Hour)); tr.EventID != nil {
		t.Errorf("an unknown UID routed the deposit by event %d", *tr.EventID)
	}
	if s.wasUsed(t, otherEvent.ID) {
		t.Error("another recorder's event was marked used")
	}
}
