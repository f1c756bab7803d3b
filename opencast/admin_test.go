package opencast_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lectern"
)

// multipartBody is a form as pyCA's curl sends it.
func multipartBody(t *testing.T, fields ...string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := mw.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

const formType = "application/x-www-form-urlencoded"

func TestAgentState(t *testing.T) {
	t.Parallel()
	b := newBundle(t, nil)
	ctx := context.Background()
	ct, body := multipartBody(t, "address", "http://10.0.0.1:5000", "state", "idle")
	resp, text := b.do(t, "POST", "/capture-admin/agents/ca-a", "ca-a", "pw-a", ct, body)
	if resp.StatusCode != 200 || text != "ca-a set to idle" {
		t.Fatalf("multipart state: %d %s", resp.StatusCode, text)
	}
	a, err := b.agents.FindAgent(ctx, "ca-a")
	if err != nil || a.State != "idle" || a.Address != "http://10.0.0.1:5000" || a.RecorderID != b.a.ID {
		t.Fatalf("stored: %+v, %v", a, err)
	}
	// Galicaster: urlencoded, Digest, its agent name set on the recorder.
	d := &digestClient{login: "ca-b", pw: "pw-b", algorithm: "MD5"}
	resp, text = b.digest(t, d, func() *http.Request {
		req, _ := http.NewRequest("POST", b.url+"/capture-admin/agents/room-b",
			strings.NewReader(url.Values{"address": {"10.0.0.2"}, "state": {"capturing"}}.Encode()))
		req.Header.Set("Content-Type", formType)
		return req
	})
	if a, err := b.agents.FindAgent(ctx, "room-b"); resp.StatusCode != 200 || err != nil || a.State != "capturing" {
		t.Fatalf("urlencoded state by Digest: %d %s; %+v %v", resp.StatusCode, text, a, err)
	}

	for _, c := range []struct {
		name, path, login, pw, body string
		want                        int
	}{
		{"agent of another recorder", "/capture-admin/agents/room-b", "ca-a", "pw-a", "state=idle", http.StatusForbidden},
		{"login of a recorder with an agent name", "/capture-admin/agents/ca-b", "ca-b", "pw-b", "state=idle", http.StatusForbidden},
		{"unmapped name", "/capture-admin/agents/somehost", "ca-a", "pw-a", "state=idle", http.StatusForbidden},
		{"unknown state", "/capture-admin/agents/ca-a", "ca-a", "pw-a", "state=dancing", http.StatusBadRequest},
		{"control character in the address", "/capture-admin/agents/ca-a", "ca-a", "pw-a", "state=idle&address=a%0Db", http.StatusBadRequest},
		{"oversized address", "/capture-admin/agents/ca-a", "ca-a", "pw-a", "state=idle&address=" + strings.Repeat("x", 2000), http.StatusBadRequest},
		{"oversized body", "/capture-admin/agents/ca-a", "ca-a", "pw-a", "state=idle&x=" + strings.Repeat("x", 70<<10), http.StatusRequestEntityTooLarge},
		{"no credentials", "/capture-admin/agents/ca-a", "", "", "state=error", http.StatusUnauthorized},
	} {
		resp, text := b.do(t, "POST", c.path, c.login, c.pw, formType, strings.NewReader(c.body))
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d %s; want %d", c.name, resp.StatusCode, text, c.want)
		}
	}
	if a, _ := b.agents.FindAgent(ctx, "ca-a"); a.State != "idle" || a.Address != "http://10.0.0.1:5000" {
		t.Errorf("refused requests changed the agent: %+v", a)
	}
}

func TestAgentConfiguration(t *testing.T) {
	t.Parallel()
	b := newBundle(t, nil)
	galicaster := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
		<!DOCTYPE properties SYSTEM "http://java.sun.com/dtd/properties.dtd">
		<properties version="1.0"><entry key="capture.device.names">presenter,presentation</entry><entry key="capture.error.subject">&quot;%hostname started&quot;</entry></properties>`
	for name, c := range map[string]struct{ text, key, want string }{
		"xml":        {galicaster, "capture.error.subject", `"%hostname started"`},
		"properties": {"# comment\ncapture.device.names=presenter\nlong=a\\\n  b\nuni=\\u00e9t\\u00e9", "long", "ab"},
		"json":       {`{"capture.device.names":"presenter","n":3}`, "n", "3"},
	} {
		resp, text := b.do(t, "POST", "/capture-admin/agents/ca-a/configuration", "ca-a", "pw-a", formType,
			strings.NewReader(url.Values{"configuration": {c.text}}.Encode()))
		a, err := b.agents.FindAgent(context.Background(), "ca-a")
		if resp.StatusCode != 200 || err != nil || a.Configuration[c.key] != c.want || a.Configuration["capture.device.names"] == "" {
			t.Errorf("%s: %d %s; stored %v %v", name, resp.StatusCode, text, a, err)
		}
		if name == "properties" && a.Configuration["uni"] != "été" {
			t.Errorf("properties: \\u escapes: %q", a.Configuration["uni"])
		}
	}
	b.do(t, "POST", "/capture-admin/agents/ca-a/configuration", "ca-a", "pw-a", formType,
		strings.NewReader(url.Values{"configuration": {"capture.device.names=presenter"}}.Encode()))
	for name, text := range map[string]string{
		"empty":          "",
		"entity":         `<!DOCTYPE p [<!ENTITY x "xxxxxxxx">]><properties><entry key="a">&x;&x;</entry></properties>`,
		"external":       `<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><properties><entry key="a">&x;</entry></properties>`,
		"too many":       manyEntries(1001),
		"control in key": "a\x01b=c",
		"json array":     `{"a":[1]}`,
	} {
		resp, body := b.do(t, "POST", "/capture-admin/agents/ca-a/configuration", "ca-a", "pw-a", formType,
			strings.NewReader(url.Values{"configuration": {text}}.Encode()))
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %s; want 400", name, resp.StatusCode, body)
		}
	}
	if a, _ := b.agents.FindAgent(context.Background(), "ca-a"); a.Configuration["capture.device.names"] != "presenter" || a.Configuration["a"] != "" {
		t.Errorf("refused configurations changed the stored one: %v", a.Configuration)
	}
}

func manyEntries(n int) string {
	var s strings.Builder
	for i := range n {
		fmt.Fprintf(&s, "k%d=v\n", i)
	}
	return s.String()
}

func TestRecordingState(t *testing.T) {
	t.Parallel()
	b := newBundle(t, nil)
	now := time.Now().UTC()
	mine := b.events.add(&lectern.Event{RecorderID: b.a.ID, Title: "Algebra", Start: now, End: now.Add(time.Hour)})
	theirs := b.events.add(&lectern.Event{RecorderID: b.b.ID, Title: "Physics", Start: now, End: now.Add(time.Hour)})

	ct, body := multipartBody(t, "state", "capturing")
	resp, text := b.do(t, "POST", "/capture-admin/recordings/"+mine.UID, "ca-a", "pw-a", ct, body)
	got, _ := b.events.FindEventByUID(context.Background(), mine.UID)
	if resp.StatusCode != 200 || got.AgentState != "capturing" || got.AgentStateAt.IsZero() {
		t.Fatalf("recording state: %d %s; event %+v", resp.StatusCode, text, got)
	}
	if a, err := b.agents.FindAgent(context.Background(), "ca-a"); err != nil || a.LastContact.IsZero() {
		t.Errorf("contact not recorded: %+v %v", a, err)
	}
	for _, c := range []struct {
		name, uid, state string
		want             int
	}{
		{"another recorder's event", theirs.UID, "capture_error", http.StatusNotFound},
		{"unknown event", "no-such-event", "capturing", http.StatusNotFound},
		{"unknown state", mine.UID, "sleeping", http.StatusBadRequest},
	} {
		resp, text := b.do(t, "POST", "/capture-admin/recordings/"+c.uid, "ca-a", "pw-a", formType, strings.NewReader("state="+c.state))
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d %s; want %d", c.name, resp.StatusCode, text, c.want)
		}
	}
	if got, _ := b.events.FindEventByUID(context.Background(), theirs.UID); got.AgentState != "" {
		t.Errorf("another recorder's event changed: %q", got.AgentState)
	}
	if got, _ := b.events.FindEventByUID(context.Background(), mine.UID); got.AgentState != "capturing" {
		t.Errorf("a refused state was stored: %q", got.AgentState)
	}
}
