package lectern_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

func TestPartName(t *testing.T) {
	t.Parallel()
	re, err := lectern.CompilePartPattern(lectern.DefaultPartPattern)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		key  string
		n    int
		ok   bool
	}{
		{"SMP351_Amphi-A_20261206-090000_S1R1.m4v", "SMP351_Amphi-A_20261206-090000_S1", 1, true},
		{"lectureS1R12.mp4", "lectureS1", 12, true},
		{"lecture.mp4", "", 0, false},
		{"R1.mp4", "", 0, false}, // no key
		{"lectureR0.mp4", "", 0, false},
		{"lectureR99999999999.mp4", "", 0, false},
		{"lectureR1.mov", "", 0, false},
	} {
		key, n, ok := lectern.PartName(re, tc.name)
		if key != tc.key || n != tc.n || ok != tc.ok {
			t.Errorf("PartName(%q) = %q %d %v, want %q %d %v", tc.name, key, n, ok, tc.key, tc.n, tc.ok)
		}
	}
	for _, bad := range []string{"(", `^(?P<key>.+)\.mp4$`, `^(?P<part>\d+)\.mp4$`} {
		if _, err := lectern.CompilePartPattern(bad); err == nil {
			t.Errorf("CompilePartPattern(%q) accepted", bad)
		}
	}
	if re, err := lectern.CompilePartPattern(""); re != nil || err != nil {
		t.Errorf(`CompilePartPattern("") = %v, %v; want none`, re, err)
	}
}

// partsBundle is an intake with RECORDING_PART_PATTERN's default, a clock
// the test moves, and an assembler on it.
type partsBundle struct {
	*intakeBundle
	now atomic.Int64 // unix nanoseconds
	asm *lectern.PartAssembler
	dir string // the recorder's folder, under root
}

func newParts(tb testing.TB) *partsBundle {
	tb.Helper()
	b := &partsBundle{intakeBundle: newIntake(tb), dir: "amphi"}
	re, err := lectern.CompilePartPattern(`^(?P<key>.+)R(?P<part>\d+)\.(m4v|mp4)$`)
	if err != nil {
		tb.Fatal(err)
	}
	b.now.Store(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, b.now.Load()) }
	b.in.PartPattern, b.in.NowFunc = re, clock
	b.in.Extensions = append(b.in.Extensions, "m4v")
	mgr := b.manager.ID
	b.recorder("Amphi", b.dir, func(r *lectern.Recorder) { r.UserID = &mgr })
	b.asm = &lectern.PartAssembler{Intake: b.in, Quiet: 2 * time.Minute, NowFunc: clock}
	return b
}

func (b *partsBundle) advance(d time.Duration) { b.now.Add(int64(d)) }

// arrive uploads name (complete) into the recorder's folder.
func (b *partsBundle) arrive(tb testing.TB, name string) *lectern.Treatment {
	tb.Helper()
	p := b.file(tb, filepath.Join(b.dir, name), 100)
	tr, created, err := b.in.Complete(context.Background(), lectern.Deposit{Path: p, Source: lectern.SourceFTP})
	if err != nil || !created {
		tb.Fatalf("complete %s: %v %v", name, created, err)
	}
	return tr
}

func (b *partsBundle) pass(tb testing.TB) int {
	tb.Helper()
	n, err := b.asm.Pass(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// The parts of a split recording wait, unrouted, until the quiet period
// after the newest; then they are one deposit of every part in order,
// routed once. A part that comes after is a deposit of its own.
func TestAssembleSplitRecording(t *testing.T) {
	t.Parallel()
	b := newParts(t)
	for _, name := range []string{"lecture_S1R2.mp4", "lecture_S1R1.mp4", "lecture_S1R3.mp4"} {
		tr := b.arrive(t, name)
		if tr.State != lectern.TreatmentToAssemble {
			t.Fatalf("part %s is %s, want %s", name, tr.State, lectern.TreatmentToAssemble)
		}
		b.advance(30 * time.Second)
	}
	if len(b.routed) != 0 {
		t.Fatalf("a part was routed alone: %+v", b.routed[0])
	}
	if n := b.pass(t); n != 0 {
		t.Fatalf("assembled %d before the quiet period", n)
	}
	b.advance(2 * time.Minute)
	if n := b.pass(t); n != 1 {
		t.Fatalf("assembled %d, want 1", n)
	}
	if n := b.pass(t); n != 0 {
		t.Fatalf("assembled again: %d", n)
	}
	if len(b.routed) != 1 {
		t.Fatalf("routed %d deposits, want 1", len(b.routed))
	}
	d := b.routed[0]
	if d.State != lectern.TreatmentToNotify || filepath.Base(d.File) != "lecture_S1R1.mp4" || len(d.Parts) != 3 {
		t.Fatalf("deposit %+v", d)
	}
	for i, p := range d.Parts {
		if want := fmt.Sprintf("lecture_S1R%d.mp4", i+1); filepath.Base(p.File) != want || p.Position != i+1 || p.Flavor != lectern.FlavorPresenter {
			t.Errorf("part %d: %+v, want %s", i+1, p, want)
		}
	}
	all, _, err := b.in.Treatments.FindTreatments(context.Background(), lectern.TreatmentFilter{})
	if err != nil || len(all) != 1 {
		t.Fatalf("%d treatments (%v), want the deposit's alone", len(all), err)
	}

	// A fourth part, late: a deposit of its own, after its own quiet.
	b.arrive(t, "lecture_S1R4.mp4")
	b.advance(3 * time.Minute)
	if n := b.pass(t); n != 1 || len(b.routed) != 2 || len(b.routed[1].Parts) != 1 {
		t.Fatalf("late part: assembled %d, routed %d", n, len(b.routed))
	}
}

// Parts of one recording are cut at MaxParts; a number seen again starts
// another recording; a name the pattern does not match is a deposit as
// before.
func TestAssembleBounds(t *testing.T) {
	t.Parallel()
	b := newParts(t)
	for i := 1; i <= lectern.MaxParts+20; i++ {
		b.arrive(t, fmt.Sprintf("long_R%d.mp4", i))
	}
	b.arrive(t, "again_R1.mp4")
	b.arrive(t, "again_R2.mp4")
	b.advance(time.Second)
	b.arrive(t, "again_R1.m4v") // the same key and number: another recording (the recorder started again)
	if tr := b.arrive(t, "plain.mp4"); tr.State != lectern.TreatmentToNotify {
		t.Fatalf("a file that is no part is %s", tr.State)
	}
	b.advance(5 * time.Minute)
	if n := b.pass(t); n != 4 {
		t.Fatalf("assembled %d deposits, want 4 (100 + 20 parts, 2 + 1)", n)
	}
	sizes := map[int]int{}
	for _, d := range b.routed[1:] {
		sizes[len(d.Parts)]++
	}
	if sizes[lectern.MaxParts] != 1 || sizes[20] != 1 || sizes[2] != 1 || sizes[1] != 1 {
		t.Errorf("deposits by number of parts: %v", sizes)
	}
}

// Two nodes' passes at once: every recording assembled once.
func TestAssembleTwoNodes(t *testing.T) {
	t.Parallel()
	b := newParts(t)
	for r := range 6 {
		for p := 1; p <= 3; p++ {
			b.arrive(t, fmt.Sprintf("rec%d_R%d.mp4", r, p))
		}
	}
	b.advance(3 * time.Minute)
	other := *b.asm
	var wg sync.WaitGroup
	var made atomic.Int64
	for _, a := range []*lectern.PartAssembler{b.asm, &other} {
		wg.Go(func() {
			for range 3 {
				n, err := a.Pass(context.Background())
				if err != nil {
					t.Error(err)
				}
				made.Add(int64(n))
			}
		})
	}
	wg.Wait()
	if made.Load() != 6 || len(b.routed) != 6 {
		t.Fatalf("made %d deposits, routed %d; want 6 once each", made.Load(), len(b.routed))
	}
	for _, d := range b.routed {
		if len(d.Parts) != 3 {
			t.Errorf("deposit %s has %d parts", d.File, len(d.Parts))
		}
	}
}

// A group left taken by a node that died is given back after a while,
// then assembled.
func TestAssembleStaleClaim(t *testing.T) {
	t.Parallel()
	b := newParts(t)
	ctx := context.Background()
	p1 := b.arrive(t, "x_R1.mp4")
	b.arrive(t, "x_R2.mp4")
	if ok, err := b.in.Treatments.TransitionTreatment(ctx, p1.ID, lectern.TreatmentToAssemble, lectern.TreatmentAssembling, nil); !ok || err != nil {
		t.Fatal(ok, err)
	}
	b.advance(3 * time.Minute)
	if n := b.pass(t); n != 0 {
		t.Fatalf("assembled a group another node holds: %d", n)
	}
	b.advance(time.Hour)
	b.pass(t) // gives it back
	if n := b.pass(t); n != 1 || len(b.routed) != 1 || len(b.routed[0].Parts) != 2 {
		t.Fatalf("assembled %d, routed %d", n, len(b.routed))
	}
}

// Parts held before RECORDING_PART_PATTERN was emptied are not left
// waiting: each becomes a deposit of its own.
func TestAssembleWithoutPattern(t *testing.T) {
	t.Parallel()
	b := newParts(t)
	b.arrive(t, "y_R1.mp4")
	b.arrive(t, "y_R2.mp4")
	b.in.PartPattern = nil
	b.advance(3 * time.Minute)
	if n := b.pass(t); n != 2 || len(b.routed) != 2 {
		t.Fatalf("assembled %d, routed %d; want 2 deposits of one part", n, len(b.routed))
	}
}

// Parts recorded in a scheduled event wait for its end (and the quiet
// period), even when the recorder paused longer than the quiet period
// between two parts.
func TestAssembleWaitsForTheEvent(t *testing.T) {
	t.Parallel()
	b := newParts(t)
	ctx := context.Background()
	events := sqldb.NewEventService(b.db)
	rec := b.recorder("Amphi E", "amphi-e", nil)
	start := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	ev := &lectern.Event{RecorderID: rec.ID, Start: start, End: start.Add(time.Hour), Title: "Optics"}
	if err := events.CreateEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	b.asm.Events = events
	for i, at := range []time.Duration{20 * time.Minute, 40 * time.Minute} {
		p := b.file(t, fmt.Sprintf("amphi-e/ev_R%d.mp4", i+1), 100)
		now := start.Add(at)
		tr := &lectern.Treatment{File: p, FileSize: 100, RecorderID: &rec.ID, Type: lectern.RecordingTypeVideo, State: lectern.TreatmentToAssemble,
			DetectedBy: lectern.SourceFTP, DateAdded: now, FirstSeenAt: now, CompletedAt: now, RoutedAt: now, EventID: &ev.ID}
		if _, err := b.in.Treatments.CreateTreatment(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	b.now.Store(start.Add(45 * time.Minute).UnixNano()) // the newest part's quiet period is over, the event is not
	if n := b.pass(t); n != 0 {
		t.Fatalf("assembled %d before the event's end", n)
	}
	b.now.Store(start.Add(63 * time.Minute).UnixNano())
	if n := b.pass(t); n != 1 || len(b.routed) != 1 || len(b.routed[0].Parts) != 2 {
		t.Fatalf("assembled %d, routed %d", n, len(b.routed))
	}
}
