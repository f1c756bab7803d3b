package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lectern"
)

// TestHostileOpencastAgent sends capture-agent requests no agent should
// send: each is refused with a clear 4xx, and leaves the agents' rows,
// the events' recording states and the rest of the state as they were.
func TestHostileOpencastAgent(t *testing.T) {
	t.Parallel()
	s := newAgentSite(t)
	ctx := context.Background()
	mine := s.event(t, "amphia", "Mine")
	theirs := s.event(t, "amphib", "Theirs")
	db := s.c.open(t).SQL()
	h := &hostile{t: t, s: s.srv, c: s.c, db: db}
	ca := &agentClient{login: "ca-a", pw: "pw-a"}
	if rep := ca.do(t, "POST", s.base+"/capture-admin/agents/ca-a", nil, agentURLEncoded("state", "idle", "address", "10.0.0.1")); rep.status != 200 {
		t.Fatalf("legitimate state: %d %s", rep.status, rep.body)
	}
	ca.do(t, "POST", s.base+"/capture-admin/agents/ca-a/configuration", nil, agentURLEncoded("configuration", "capture.device.names=presenter"))
	ca.do(t, "POST", s.base+"/capture-admin/recordings/"+theirs.UID, nil, nil) // nothing: a form is needed
	// agentRows is what the protocol writes: the agents and the
	// recording states.
	agentRows := func() string {
		var b strings.Builder
		rows, err := db.Query("SELECT name, recorder_id, state, address, configuration FROM capture_agents ORDER BY name")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var name, state, address, cfg string
			var rec int64
			rows.Scan(&name, &rec, &state, &address, &cfg)
			fmt.Fprintf(&b, "%s %d %s %s %s\n", name, rec, state, address, cfg)
		}
		for _, ev := range []*lectern.Event{mine, theirs} {
			got, _ := s.events.FindEventByUID(ctx, ev.UID)
			fmt.Fprintf(&b, "%s %q\n", got.Title, got.AgentState)
		}
		return b.String()
	}
	post := func(path, login, pw string, form url.Values) (int, string) {
		req, _ := http.NewRequest("POST", s.base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if login != "" {
			req.SetBasicAuth(login, pw)
		}
		st, body, _ := h.send(req)
		return st, body
	}
	get := func(path, login, pw string) (int, string) {
		req, _ := http.NewRequest("GET", s.base+path, nil)
		if login != "" {
			req.SetBasicAuth(login, pw)
		}
		st, body, _ := h.send(req)
		return st, body
	}
	root := func() *browser { s.c.addUser(t, "root", "--superuser"); return h.login("root") }()
	entities := `<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">` +
		`<!ENTITY x SYSTEM "file:///etc/passwd">]><properties><entry key="capture.device.names">&b;&x;</entry></properties>`

	rows := []struct {
		name string
		do   func() (int, string)
		want int
	}{
		{"no credentials", func() (int, string) {
			return post("/capture-admin/agents/ca-a", "", "", url.Values{"state": {"error"}})
		}, http.StatusUnauthorized},
		{"a logged-in superuser's session, no agent credentials (cross-site form)", func() (int, string) {
			resp, body := root.do("POST", s.base+"/capture-admin/agents/ca-a", url.Values{"state": {"error"}})
			return resp.StatusCode, body
		}, http.StatusUnauthorized},
		{"wrong password", func() (int, string) {
			return post("/capture-admin/agents/ca-a", "ca-a", "nope", url.Values{"state": {"error"}})
		}, http.StatusUnauthorized},
		{"another recorder's agent name", func() (int, string) {
			return post("/capture-admin/agents/room-b", "ca-a", "pw-a", url.Values{"state": {"error"}})
		}, http.StatusForbidden},
		{"another recorder's agent name in the calendar", func() (int, string) {
			return get("/recordings/calendars?agentid=room-b", "ca-a", "pw-a")
		}, http.StatusForbidden},
		{"another recorder's recording id", func() (int, string) {
			return post("/capture-admin/recordings/"+theirs.UID, "ca-a", "pw-a", url.Values{"state": {"capture_error"}})
		}, http.StatusNotFound},
		{"path tricks in the agent name", func() (int, string) {
			return post("/capture-admin/agents/..%2Fagents%2Froom-b", "ca-a", "pw-a", url.Values{"state": {"error"}})
		}, http.StatusBadRequest},
		{"unknown agent state", func() (int, string) {
			return post("/capture-admin/agents/ca-a", "ca-a", "pw-a", url.Values{"state": {"<script>"}})
		}, http.StatusBadRequest},
		{"unknown recording state", func() (int, string) {
			return post("/capture-admin/recordings/"+mine.UID, "ca-a", "pw-a", url.Values{"state": {"'; DROP TABLE events;--"}})
		}, http.StatusBadRequest},
		{"oversized address", func() (int, string) {
			return post("/capture-admin/agents/ca-a", "ca-a", "pw-a", url.Values{"state": {"idle"}, "address": {strings.Repeat("a", 5000)}})
		}, http.StatusBadRequest},
		{"CRLF in the address", func() (int, string) {
			return post("/capture-admin/agents/ca-a", "ca-a", "pw-a", url.Values{"state": {"idle"}, "address": {"x\r\nSet-Cookie: a=b"}})
		}, http.StatusBadRequest},
		{"oversized body", func() (int, string) {
			return post("/capture-admin/agents/ca-a", "ca-a", "pw-a", url.Values{"state": {"idle"}, "x": {strings.Repeat("a", 100<<10)}})
		}, http.StatusRequestEntityTooLarge},
		{"oversized configuration value", func() (int, string) {
			return post("/capture-admin/agents/ca-a/configuration", "ca-a", "pw-a", url.Values{"configuration": {"k=" + strings.Repeat("v", 10000)}})
		}, http.StatusBadRequest},
		{"XML entities in the configuration", func() (int, string) {
			return post("/capture-admin/agents/ca-a/configuration", "ca-a", "pw-a", url.Values{"configuration": {entities}})
		}, http.StatusBadRequest},
		{"bad cutoff", func() (int, string) {
			return get("/recordings/calendars?agentid=ca-a&cutoff=1e99", "ca-a", "pw-a")
		}, http.StatusBadRequest},
		{"oversized agent name", func() (int, string) {
			return get("/recordings/calendars?agentid="+strings.Repeat("a", 300), "ca-a", "pw-a")
		}, http.StatusBadRequest},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			before, agentsBefore := h.snapshot(), agentRows()
			st, body := row.do()
			h.refused(t, row.name, st, body, row.want)
			h.unchanged(t, before)
			if after := agentRows(); after != agentsBefore {
				t.Errorf("agents or recording states changed:\n%s\nwas:\n%s", after, agentsBefore)
			}
		})
	}

	t.Run("CRLF injection into the calendar by an event title", func(t *testing.T) {
		ev := s.event(t, "amphia", "x")
		ev.Title = "Title\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:injected\r\nDTSTART:20000101T000000Z"
		if err := s.events.UpdateEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
		st, cal := get("/recordings/calendars?agentid=ca-a", "ca-a", "pw-a")
		if st != 200 || strings.Contains(cal, "\r\nUID:injected") || strings.Contains(cal, "\nBEGIN:VEVENT\r\nUID:injected") {
			t.Errorf("the title made lines of its own: %d\n%s", st, cal)
		}
		if n := len(parseCalendar(t, cal)); n != 2 {
			t.Errorf("%d events, want 2", n)
		}
	})

	t.Run("Digest nonce count replayed", func(t *testing.T) {
		g := &agentClient{login: "ca-b", pw: "pw-b", useDigest: true}
		g.do(t, "GET", s.base+"/info/me.json", nil, nil)
		before, agentsBefore := h.snapshot(), agentRows()
		req, _ := http.NewRequest("POST", s.base+"/capture-admin/agents/room-b", strings.NewReader("state=offline"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		g.authorize(req)
		auth := req.Header.Get("Authorization")
		req.Header.Set("Authorization", strings.Replace(auth, fmt.Sprintf("nc=%08x", g.nc), "nc=00000001", 1))
		st, body, _ := h.send(req)
		h.refused(t, "replayed nonce count", st, body, http.StatusUnauthorized)
		h.unchanged(t, before)
		if agentRows() != agentsBefore {
			t.Error("the replay changed an agent")
		}
	})

	// Last: it blocks the address.
	t.Run("password guessing throttled", func(t *testing.T) {
		for range 5 {
			post("/capture-admin/agents/ca-a", "ca-a", "guess", url.Values{"state": {"error"}})
		}
		st, body := post("/capture-admin/agents/ca-a", "ca-a", "pw-a", url.Values{"state": {"error"}})
		h.refused(t, "right password after 5 failures", st, body, http.StatusTooManyRequests)
		if a, _ := s.agents.FindAgent(ctx, "ca-a"); a.State != "idle" {
			t.Errorf("state changed while blocked: %s", a.State)
		}
	})
}
