package storetest

import (
	"context"
	"testing"
	"time"

	"lectern"
)

// testCaptureAgents checks the agents' reports and the recorders' agent
// names and Digest secrets.
func testCaptureAgents(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	vt := &lectern.VideoType{Title: "Course"}
	if err := s.Types.CreateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	newRecorder := func(name, ip, login string) *lectern.Recorder {
		r := lectern.NewRecorder()
		r.Name, r.AddressIP, r.Directory, r.TypeID = name, ip, name, vt.ID
		r.CredentialsLogin, r.CredentialsPasswordHash, r.CredentialsDigest = login, "hash", "md5 sha "+login
		if err := s.Recorders.CreateRecorder(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	a := newRecorder("amphia", "10.0.0.1", "ca-a")
	b := newRecorder("amphib", "10.0.0.2", "ca-b")

	// Agent names: kept, unique when set, found by the filter.
	a.AgentName = "room-a"
	if err := s.Recorders.UpdateRecorder(ctx, a); err != nil {
		t.Fatal(err)
	}
	b.AgentName = "room-a"
	if err := s.Recorders.UpdateRecorder(ctx, b); lectern.ErrorCode(err) != lectern.ECONFLICT || lectern.ErrorFields(err)["agent_name"] == "" {
		t.Errorf("second recorder named room-a: %v; want a conflict on agent_name", err)
	}
	name := "room-a"
	got, err := lectern.FindRecorder(ctx, s.Recorders, lectern.RecorderFilter{AgentName: &name})
	if err != nil || got.ID != a.ID || got.CredentialsDigest != "md5 sha ca-a" {
		t.Fatalf("recorder of agent room-a: %+v, %v", got, err)
	}
	// Two recorders without an agent name do not conflict.
	c := newRecorder("amphic", "10.0.0.3", "ca-c")
	// Clearing the credentials clears the Digest secrets.
	c.CredentialsLogin, c.CredentialsPasswordHash = "", ""
	if err := s.Recorders.UpdateRecorder(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Recorders.FindRecorderByID(ctx, c.ID); got.CredentialsDigest != "" {
		t.Errorf("credentials cleared, Digest secrets kept: %q", got.CredentialsDigest)
	}

	if _, err := s.Agents.FindAgent(ctx, "room-a"); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("FindAgent before any report: %v", err)
	}
	at := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	if err := s.Agents.TouchAgent(ctx, "room-a", a.ID, at); err != nil {
		t.Fatal(err)
	}
	ag, err := s.Agents.FindAgent(ctx, "room-a")
	if err != nil || ag.State != lectern.AgentUnknown || !ag.LastContact.Equal(at) || !ag.StateAt.IsZero() || len(ag.Configuration) != 0 {
		t.Fatalf("touched agent: %+v, %v", ag, err)
	}
	st := &lectern.CaptureAgent{Name: "room-a", RecorderID: a.ID, State: lectern.AgentCapturing, Address: "http://10.0.0.1:5000",
		LastContact: at.Add(time.Minute)}
	if err := s.Agents.SaveAgentState(ctx, st); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]string{"capture.device.names": "presenter,presentation", "x": "ü"}
	if err := s.Agents.SaveAgentConfiguration(ctx, "room-a", a.ID, cfg); err != nil {
		t.Fatal(err)
	}
	ag, err = s.Agents.FindAgent(ctx, "room-a")
	if err != nil || ag.State != lectern.AgentCapturing || ag.Address != "http://10.0.0.1:5000" || !ag.StateAt.Equal(at.Add(time.Minute)) ||
		ag.Configuration["x"] != "ü" || ag.Configuration["capture.device.names"] != "presenter,presentation" || ag.RecorderID != a.ID {
		t.Fatalf("agent after state and configuration: %+v, %v", ag, err)
	}
	if !ag.LastContact.After(at) {
		t.Errorf("last contact %v not moved past %v", ag.LastContact, at)
	}
	// A later contact keeps the state.
	if err := s.Agents.TouchAgent(ctx, "room-a", a.ID, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ag, _ = s.Agents.FindAgent(ctx, "room-a"); ag.State != lectern.AgentCapturing || !ag.LastContact.Equal(at.Add(time.Hour)) {
		t.Errorf("touched again: %+v", ag)
	}
	if err := s.Agents.SaveAgentState(ctx, &lectern.CaptureAgent{Name: "ca-b", RecorderID: b.ID, State: lectern.AgentIdle}); err != nil {
		t.Fatal(err)
	}
	if err := s.Agents.TouchAgent(ctx, "ghost", 999999, at); lectern.ErrorCode(err) != lectern.EINVALID {
		t.Errorf("agent of an unknown recorder: %v; want invalid", err)
	}
	all, err := s.Agents.FindAgents(ctx, nil)
	if err != nil || len(all) != 2 || all[0].Name != "ca-b" || all[1].Name != "room-a" {
		t.Fatalf("FindAgents(nil) = %v, %v", all, err)
	}
	mine, err := s.Agents.FindAgents(ctx, &b.ID)
	if err != nil || len(mine) != 1 || mine[0].Name != "ca-b" {
		t.Fatalf("FindAgents(b) = %v, %v", mine, err)
	}
	// Removed with its recorder.
	if err := s.Recorders.DeleteRecorder(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Agents.FindAgent(ctx, "room-a"); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("agent of a deleted recorder: %v", err)
	}
}
