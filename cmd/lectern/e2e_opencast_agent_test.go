package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

// TestOpencastAgentPyCA replays the calls pyCA makes, in its order,
// against a real lectern serve: the registry, its state (multipart, Basic),
// the calendar with an absolute cutoff in epoch milliseconds, the
// recording's states; then checks what Lectern stored.
func TestOpencastAgentPyCA(t *testing.T) {
	t.Parallel()
	s := newAgentSite(t)
	ev := s.event(t, "amphia", "Algèbre, cours 1")
	s.event(t, "amphib", "Not this agent's")
	ca := &agentClient{login: "ca-a", pw: "pw-a"}
	ctx := context.Background()

	admin := ca.service(t, s.base, "org.opencastproject.capture.admin")
	scheduler := ca.service(t, s.base, "org.opencastproject.scheduler")
	if ingest := ca.service(t, s.base, "org.opencastproject.ingest"); ingest != s.base+"/ingest" {
		t.Errorf("ingest endpoint %q", ingest)
	}
	if admin != s.base+"/capture-admin" || scheduler != s.base+"/recordings" {
		t.Fatalf("endpoints %q %q", admin, scheduler)
	}
	// register_ca: address then state, multipart.
	if rep := ca.do(t, "POST", admin+"/agents/ca-a", nil, agentMultipart("address", "http://localhost:5000", "state", "idle")); rep.status != 200 {
		t.Fatalf("agent state: %d %s", rep.status, rep.body)
	}
	// get_schedule: cutoff = (now + 14 days) in milliseconds.
	cutoff := (time.Now().Unix() + 14*24*3600) * 1000
	rep := ca.do(t, "GET", fmt.Sprintf("%s/calendars?agentid=ca-a&cutoff=%d", scheduler, cutoff), nil, nil)
	if rep.status != 200 {
		t.Fatalf("calendar: %d %s", rep.status, rep.body)
	}
	cal := parseCalendar(t, rep.body)
	if len(cal) != 1 || cal[0].props["uid"] != ev.UID || cal[0].props["summary"] != `Algèbre\, cours 1` {
		t.Fatalf("calendar: %+v\n%s", cal, rep.body)
	}
	// ingest's get_config_params: the workflow from the agent properties.
	props := cal[0].attach["org.opencastproject.capture.agent.properties"]
	if !strings.Contains(props, "\norg.opencastproject.workflow.definition=") {
		t.Errorf("agent properties without a workflow: %q", props)
	}
	if ep := cal[0].attach["episode.xml"]; !strings.Contains(ep, "http://www.opencastproject.org/xsd/1.0/dublincore/") ||
		!strings.Contains(ep, "<dcterms:creator>Ada Lovelace</dcterms:creator>") || !strings.Contains(ep, "<dcterms:identifier>"+ev.UID+"<") {
		t.Errorf("episode.xml: %s", ep)
	}
	if !strings.Contains(cal[0].attach["series.xml"], "<dcterms:title>Maths L1</dcterms:title>") {
		t.Errorf("series.xml: %s", cal[0].attach["series.xml"])
	}
	// capture: agent capturing, recording capturing, capture_finished;
	// ingest: uploading, upload_finished.
	ca.do(t, "POST", admin+"/agents/ca-a", nil, agentMultipart("address", "http://localhost:5000", "state", "capturing"))
	for _, state := range []string{"capturing", "capture_finished", "uploading", "upload_finished"} {
		if rep := ca.do(t, "POST", admin+"/recordings/"+ev.UID, nil, agentMultipart("state", state)); rep.status != 200 {
			t.Fatalf("recording state %s: %d %s", state, rep.status, rep.body)
		}
	}
	got, err := s.events.FindEventByUID(ctx, ev.UID)
	if err != nil || got.AgentState != "upload_finished" || got.AgentStateAt.IsZero() {
		t.Errorf("event after the states: %+v, %v", got, err)
	}
	a, err := s.agents.FindAgent(ctx, "ca-a")
	if err != nil || a.State != lectern.AgentCapturing || a.Address != "http://localhost:5000" || a.RecorderID != s.recs["amphia"].ID {
		t.Errorf("agent: %+v, %v", a, err)
	}
	// Wrong password: 401.
	bad := &agentClient{login: "ca-a", pw: "wrong"}
	if rep := bad.do(t, "GET", fmt.Sprintf("%s/calendars?agentid=ca-a", scheduler), nil, nil); rep.status != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", rep.status)
	}
	// The recorder's page shows the agent.
	s.c.addUser(t, "root", "--superuser")
	page := adminPage(t, s, "/admin/recorders/"+itoa(s.recs["amphia"].ID)+"/change/")
	if !strings.Contains(page, "ca-a") || !strings.Contains(page, "http://localhost:5000") || !strings.Contains(page, "enregistre</span>") {
		t.Errorf("the recorder's page does not show its agent:\n%s", page)
	}
}

// TestOpencastAgentGalicaster replays Galicaster's calls: Digest on every
// request (X-Requested-Auth), info/me.json first, urlencoded states, its
// configuration as XML properties, the calendar with If-None-Match (-1,
// then the ETag it read: 304); and the refusals: a replayed nonce count,
// another recorder's agent name.
func TestOpencastAgentGalicaster(t *testing.T) {
	t.Parallel()
	s := newAgentSite(t)
	ev := s.event(t, "amphib", "Physique")
	ctx := context.Background()
	g := &agentClient{login: "ca-b", pw: "pw-b", useDigest: true}

	if rep := g.do(t, "GET", s.base+"/info/me.json", nil, nil); rep.status != 200 || !strings.Contains(rep.body, `"ca-b"`) {
		t.Fatalf("info/me.json: %d %s", rep.status, rep.body)
	}
	if rep := g.do(t, "POST", s.base+"/capture-admin/agents/room-b", nil, agentURLEncoded("address", "10.1.1.1", "state", "idle")); rep.status != 200 {
		t.Fatalf("agent state: %d %s", rep.status, rep.body)
	}
	conf := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                             <!DOCTYPE properties SYSTEM "http://java.sun.com/dtd/properties.dtd">
                             <properties version="1.0"><entry key="service.pid">galicaster</entry><entry key="capture.device.names">presenter,presentation</entry><entry key="capture.error.subject">&quot;%hostname capture agent started at %date&quot;</entry></properties>`
	if rep := g.do(t, "POST", s.base+"/capture-admin/agents/room-b/configuration", nil, agentURLEncoded("configuration", conf)); rep.status != 200 {
		t.Fatalf("configuration: %d %s", rep.status, rep.body)
	}
	cal := g.do(t, "GET", s.base+"/recordings/calendars?agentid=room-b", http.Header{"If-None-Match": {"-1"}}, nil)
	etag := cal.header.Get("ETag")
	events := parseCalendar(t, cal.body)
	if cal.status != 200 || etag == "" || len(events) != 1 || events[0].props["uid"] != ev.UID {
		t.Fatalf("calendar: %d %q %s", cal.status, etag, cal.body)
	}
	// The devices it reported are those the event asks for.
	if !strings.Contains(events[0].attach["org.opencastproject.capture.agent.properties"], "capture.device.names=presenter,presentation\n") {
		t.Errorf("agent properties: %s", events[0].attach["org.opencastproject.capture.agent.properties"])
	}
	if rep := g.do(t, "GET", s.base+"/recordings/calendars?agentid=room-b", http.Header{"If-None-Match": {etag}}, nil); rep.status != http.StatusNotModified {
		t.Errorf("If-None-Match %s: %d", etag, rep.status)
	}
	for _, state := range []string{"capturing", "capture_finished", "manifest", "upload_finished"} {
		if rep := g.do(t, "POST", s.base+"/capture-admin/recordings/"+ev.UID, nil, agentURLEncoded("state", state)); rep.status != 200 {
			t.Fatalf("recording state %s: %d %s", state, rep.status, rep.body)
		}
	}
	if got, _ := s.events.FindEventByUID(ctx, ev.UID); got.AgentState != "upload_finished" {
		t.Errorf("recording state stored: %q", got.AgentState)
	}
	a, err := s.agents.FindAgent(ctx, "room-b")
	if err != nil || a.State != "idle" || a.Configuration["capture.device.names"] != "presenter,presentation" ||
		a.Configuration["capture.error.subject"] != `"%hostname capture agent started at %date"` {
		t.Errorf("agent: %+v, %v", a, err)
	}

	// Its ingest, one ZIP, by Digest too: one deposit of the event.
	clip, err := os.ReadFile(makeClip(t, "testsrc2=size=160x120:rate=10:duration=1", "sine=frequency=440:duration=1"))
	if err != nil {
		t.Fatal(err)
	}
	zipped := ocZip(t, ev.UID, map[string]string{"presenter.mp4": string(clip), "presentation.mp4": string(clip)})
	rep := g.do(t, "POST", s.base+"/ingest/addZippedMediaPackage", nil, func() (string, io.Reader) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("workflowDefinitionId", "full")
		mw.WriteField("workflowInstanceId", ev.UID)
		fw, _ := mw.CreateFormFile("track", "2026-12-06T09:00:00.zip")
		fw.Write([]byte(zipped))
		mw.Close()
		return mw.FormDataContentType(), &buf
	})
	if rep.status != 200 {
		t.Fatalf("addZippedMediaPackage by Digest: %d %s", rep.status, rep.body)
	}
	if ts, _, err := sqldb.NewTreatmentService(s.c.open(t), nil).FindTreatments(ctx, lectern.TreatmentFilter{}); err != nil ||
		len(ts) != 1 || len(ts[0].Parts) != 2 {
		t.Errorf("the ingest's deposit: %+v, %v", ts, err)
	}

	// A captured request replayed, nonce and count as sent: refused.
	req, _ := http.NewRequest("POST", s.base+"/capture-admin/agents/room-b", strings.NewReader("state=offline"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	g.do(t, "POST", s.base+"/capture-admin/agents/room-b", nil, agentURLEncoded("state", "idle"))
	req.Header.Set("Authorization", g.last)
	req.URL.Path = "/capture-admin/agents/room-b"
	if rep := send(t, req); rep.status != http.StatusUnauthorized {
		t.Errorf("replayed Digest request: %d %s", rep.status, rep.body)
	}
	if a, _ := s.agents.FindAgent(ctx, "room-b"); a.State != "idle" {
		t.Errorf("the replay changed the state: %s", a.State)
	}
	// Logged in as amphib, naming amphia's agent: 403.
	if rep := g.do(t, "POST", s.base+"/capture-admin/agents/ca-a", nil, agentURLEncoded("state", "offline")); rep.status != http.StatusForbidden {
		t.Errorf("another recorder's agent name: %d %s", rep.status, rep.body)
	}
	if _, err := s.agents.FindAgent(ctx, "ca-a"); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("another recorder's agent was made: %v", err)
	}
	// Wrong Digest password: 401.
	bad := &agentClient{login: "ca-b", pw: "nope", useDigest: true}
	if rep := bad.do(t, "GET", s.base+"/info/me.json", nil, nil); rep.status != http.StatusUnauthorized {
		t.Errorf("wrong Digest password: %d", rep.status)
	}
}
