package storetest

import (
	"context"
	"testing"
	"time"

	"lectern"
)

func testNodes(t *testing.T, open Open) {
	ctx := context.Background()
	nodes := open(t).Nodes

	// One install id per database, the same on every call.
	id, created, err := nodes.InstallID(ctx)
	if err != nil || len(id) < 16 || !created {
		t.Fatalf("InstallID = %q, %v, %v; want a long random id, created", id, created, err)
	}
	if again, created, err := nodes.InstallID(ctx); err != nil || again != id || created {
		t.Errorf("second InstallID = %q, %v, %v; want %q, not created", again, created, err, id)
	}

	if _, err := nodes.FindNode(ctx, "a"); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("FindNode before any beat: %v; want not found", err)
	}
	started := time.Date(2026, 3, 1, 8, 0, 0, 123456000, time.UTC)
	a := &lectern.Node{ID: "a", Host: "h1", PID: 10, StartedAt: started}
	if err := nodes.BeatNode(ctx, a); err != nil {
		t.Fatal(err)
	}
	first := a.HeartbeatAt
	if first.IsZero() {
		t.Fatal("BeatNode did not set HeartbeatAt")
	}
	b := &lectern.Node{ID: "b", Host: "h2", PID: 20, StartedAt: started}
	if err := nodes.BeatNode(ctx, b); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	// A restart of a beats again with its new process.
	a.PID, a.StartedAt = 11, started.Add(time.Hour)
	if err := nodes.BeatNode(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := nodes.FindNode(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if got.Host != "h1" || got.PID != 11 || !got.StartedAt.Equal(a.StartedAt) || !got.HeartbeatAt.Equal(a.HeartbeatAt) ||
		!got.HeartbeatAt.After(first) {
		t.Errorf("FindNode(a) = %+v; want the second beat %+v (after %v)", got, a, first)
	}
	all, err := nodes.FindNodes(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "a" || all[1].ID != "b" || all[1].PID != 20 {
		t.Errorf("FindNodes = %v, %v; want a and b", all, err)
	}
}
