package lectern_test

import (
	"context"
	"testing"

	"lectern"
)

// TestIntakeDepositOfParts: a deposit of several files is one treatment
// holding every part; a part seen alone later (the watcher, a rescan) is
// that deposit, not a new one; parts outside the recorder's folder, or
// numbered twice, refuse the whole deposit.
func TestIntakeDepositOfParts(t *testing.T) {
	t.Parallel()
	b := newIntake(t)
	ctx := context.Background()
	mgr := b.manager.ID
	b.recorder("room", "room", func(r *lectern.Recorder) { r.UserID = &mgr })
	b.recorder("other", "other", nil)
	p1 := b.file(t, "room/.opencast/mp1/presenter-1.mp4", 100)
	p2 := b.file(t, "room/.opencast/mp1/presenter-2.mp4", 200)
	s1 := b.file(t, "room/.opencast/mp1/presentation-1.mp4", 300)
	elsewhere := b.file(t, "other/x.mp4", 10)
	part := func(pos int, flavor, file string) lectern.TreatmentPart {
		return lectern.TreatmentPart{Position: pos, Flavor: flavor, File: file}
	}

	for name, parts := range map[string][]lectern.TreatmentPart{
		"another recorder's file": {part(1, lectern.FlavorPresenter, p1), part(2, lectern.FlavorPresenter, elsewhere)},
		"numbered twice":          {part(1, lectern.FlavorPresenter, p1), part(1, lectern.FlavorPresenter, p2)},
		"first is not the file":   {part(1, lectern.FlavorPresenter, p2), part(2, lectern.FlavorPresenter, p1)},
		"unknown flavor":          {part(1, lectern.FlavorPresenter, p1), part(1, "captions/source", p2)},
		"missing file":            {part(1, lectern.FlavorPresenter, p1), part(2, lectern.FlavorPresenter, b.root+"/room/gone.mp4")},
	} {
		if _, _, err := b.in.Complete(ctx, lectern.Deposit{Path: p1, Source: lectern.SourceOpencast, Parts: parts}); err == nil {
			t.Fatalf("%s: accepted", name)
		}
	}
	if len(b.routed) != 0 {
		t.Fatalf("refused deposits were routed: %d", len(b.routed))
	}

	tr, created, err := b.in.Complete(ctx, lectern.Deposit{Path: p1, Source: lectern.SourceOpencast, EventUID: "e1", Parts: []lectern.TreatmentPart{
		part(1, lectern.FlavorPresenter, p1), part(2, lectern.FlavorPresenter, p2), part(1, lectern.FlavorPresentation, s1)}})
	if err != nil || !created || tr.State != lectern.TreatmentToNotify || len(tr.Parts) != 3 {
		t.Fatalf("deposit of parts: %+v %v %v", tr, created, err)
	}
	if got := tr.PartsOf(lectern.FlavorPresenter); got[1].File != p2 || got[1].Size != 200 {
		t.Fatalf("presenter parts %+v", got)
	}
	for _, f := range []string{p2, s1} {
		again, created, err := b.in.Complete(ctx, lectern.Deposit{Path: f, Source: lectern.SourceRescan})
		if err != nil || created || again == nil || again.ID != tr.ID {
			t.Fatalf("part %s seen alone: %+v %v %v", f, again, created, err)
		}
	}
	if len(b.routed) != 1 {
		t.Fatalf("routed %d times", len(b.routed))
	}
}
