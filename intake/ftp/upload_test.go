package ftp_test

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/intake/ftp"
)

// waitLog waits for the server to log a line holding every one of parts.
func (b *bundle) waitLog(tb testing.TB, parts ...string) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
	lines:
		for _, line := range strings.Split(b.log.String(), "\n") {
			for _, p := range parts {
				if !strings.Contains(line, p) {
					continue lines
				}
			}
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the server never logged %q", parts)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestUploadCreatesTreatment(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	rec := b.recorder(t, "room", "rec", "pw", nil)
	c := b.login(t, "rec", "pw")
	start := time.Now()
	data := content(300_000)
	if err := c.Stor("lecture.mp4", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil { // the next command confirms the upload
		t.Fatal(err)
	}
	tr := b.waitTreatment(t, "room/lecture.mp4")
	if tr.DetectedBy != "ftp" || tr.FileSize != int64(len(data)) || tr.RecorderID == nil || *tr.RecorderID != rec.ID ||
		tr.FirstSeenAt.Before(start.Add(-time.Second)) || tr.State != lectern.TreatmentToClaim {
		t.Fatalf("%+v", tr)
	}
	if n := len(b.allTreatments(t)); n != 1 {
		t.Fatalf("%d treatments", n)
	}
	if b.held(t, "room/lecture.mp4") {
		t.Error("still held")
	}
	got, err := os.ReadFile(b.path("room/lecture.mp4"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("file content differs: %v", err)
	}
	b.waitLog(t, `msg="ftp upload complete"`)
	for _, key := range []string{"recorder=", "login=rec", "remote_addr=127.0.0.1:", "path=", "size=300000", "duration="} {
		if !strings.Contains(b.log.String(), key) {
			t.Errorf("upload log has no %s", key)
		}
	}
}

// A client that stays connected and silent after 226 has finished.
func TestUploadConfirmedWhenIdle(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	c := b.login(t, "rec", "pw")
	if err := c.Stor("idle.mp4", strings.NewReader("whole")); err != nil {
		t.Fatal(err)
	}
	b.waitTreatment(t, "room/idle.mp4")
	if err := c.NoOp(); err != nil {
		t.Fatal(err)
	}
}

// Uploads that break off never become treatments, and stay held.
func TestUploadBrokenOff(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	half := content(200_000)
	wait := 3 * b.cfg.ConfirmAfter

	for _, c := range []struct {
		name string
		run  func(t *testing.T, r *raw, file string)
	}{
		{"killed: data then control closed", func(t *testing.T, r *raw, file string) {
			d := r.storPart(file, half)
			d.Close()
			r.c.Close()
		}},
		{"killed: control then data closed", func(t *testing.T, r *raw, file string) {
			d := r.storPart(file, half)
			r.c.Close()
			d.Close()
		}},
		{"data connection reset", func(t *testing.T, r *raw, file string) {
			d := r.storPart(file, half)
			time.Sleep(50 * time.Millisecond)
			d.SetLinger(0)
			d.Close()
			r.expect(450)
			time.Sleep(wait)
			r.cmd(221, "QUIT")
		}},
		{"ABOR", func(t *testing.T, r *raw, file string) {
			d := r.storPart(file, half)
			d.Close()
			r.expect(226)
			r.cmd(226, "ABOR")
			time.Sleep(wait)
			r.cmd(221, "QUIT")
		}},
		{"closed after 226 without QUIT", func(t *testing.T, r *raw, file string) {
			d := r.storPart(file, half)
			d.Close()
			r.expect(226)
			r.c.Close()
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			file := strings.NewReplacer(" ", "-", ":", "").Replace(c.name) + ".mp4"
			c.run(t, b.raw(t, "rec", "pw"), file)
			b.waitLog(t, `msg="ftp upload broken off" login=rec remote_addr=127.0.0.1`, "/room/"+file)
			time.Sleep(wait)
			p := b.path("room/" + file)
			if ts, _, _ := b.treatments.FindTreatments(context.Background(), lectern.TreatmentFilter{File: &p}); len(ts) != 0 {
				t.Fatalf("treatment for a broken-off upload: %+v", ts[0])
			}
			if !b.held(t, "room/"+file) {
				t.Error("not held")
			}
		})
	}
}

// The upload killed half-way is resumed with REST + STOR: one treatment,
// whole size, first seen at the first attempt.
func TestUploadKilledThenResumed(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	full := content(1_000_000)

	first := time.Now()
	r := b.raw(t, "rec", "pw")
	d := r.storPart("talk.mp4", full[:400_000])
	// Held while it is received: once bytes are on disk, the hold is there.
	for fi, err := os.Stat(b.path("room/talk.mp4")); err != nil || fi.Size() == 0; fi, err = os.Stat(b.path("room/talk.mp4")) {
		time.Sleep(time.Millisecond)
	}
	if !b.held(t, "room/talk.mp4") {
		t.Fatal("not held during the upload")
	}
	d.Close()
	r.c.Close()
	b.waitLog(t, "ftp upload broken off")
	time.Sleep(2 * b.cfg.ConfirmAfter)
	b.noTreatment(t)
	if !b.held(t, "room/talk.mp4") {
		t.Fatal("not held")
	}

	resumed := time.Now()
	c := b.login(t, "rec", "pw")
	n, err := c.FileSize("talk.mp4")
	if err != nil || n != 400_000 {
		t.Fatalf("SIZE %d %v", n, err)
	}
	if err := c.StorFrom("talk.mp4", bytes.NewReader(full[n:]), uint64(n)); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	tr := b.waitTreatment(t, "room/talk.mp4")
	if tr.FileSize != int64(len(full)) || tr.FirstSeenAt.Before(first) || !tr.FirstSeenAt.Before(resumed) {
		t.Fatalf("%+v (first attempt at %v, resumed at %v)", tr, first, resumed)
	}
	if got, _ := os.ReadFile(b.path("room/talk.mp4")); !bytes.Equal(got, full) {
		t.Fatal("resumed file differs")
	}
	time.Sleep(2 * b.cfg.ConfirmAfter)
	if n := len(b.allTreatments(t)); n != 1 {
		t.Fatalf("%d treatments, want 1", n)
	}
	if b.held(t, "room/talk.mp4") {
		t.Error("still held")
	}
}

func TestUploadResumedWithAppend(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	full := content(500_000)
	r := b.raw(t, "rec", "pw")
	d := r.storPart("appe.mp4", full[:100_000])
	r.c.Close()
	d.Close()
	b.waitLog(t, "ftp upload broken off")

	c := b.login(t, "rec", "pw")
	if err := c.Append("appe.mp4", bytes.NewReader(full[100_000:])); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	if tr := b.waitTreatment(t, "room/appe.mp4"); tr.FileSize != int64(len(full)) {
		t.Fatalf("%+v", tr)
	}
}

// A client that restarts an upload from zero in the same session (the
// data connection ended early) gets one treatment, for the whole file.
func TestUploadRestartedInSession(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	full := content(300_000)
	r := b.raw(t, "rec", "pw")
	d := r.storPart("again.mp4", full[:1000])
	d.Close()
	r.expect(226)
	d = r.storPart("again.mp4", full)
	d.Close()
	r.expect(226)
	r.cmd(221, "QUIT")
	if tr := b.waitTreatment(t, "room/again.mp4"); tr.FileSize != int64(len(full)) {
		t.Fatalf("%+v", tr)
	}
	time.Sleep(2 * b.cfg.ConfirmAfter)
	if n := len(b.allTreatments(t)); n != 1 {
		t.Fatalf("%d treatments", n)
	}
}

// Some recorders upload under a temporary name, then rename.
func TestRenameAfterUpload(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	c := b.login(t, "rec", "pw")
	start := time.Now()
	if err := c.Stor("x.mp4.tmp", strings.NewReader("a whole recording")); err != nil {
		t.Fatal(err)
	}
	if err := c.Rename("x.mp4.tmp", "x.mp4"); err != nil {
		t.Fatal(err)
	}
	tr := b.waitTreatment(t, "room/x.mp4")
	if tr.FileSize != 17 || tr.FirstSeenAt.Before(start.Add(-time.Second)) {
		t.Fatalf("%+v", tr)
	}
	c.Quit()
	time.Sleep(2 * b.cfg.ConfirmAfter)
	if ts := b.allTreatments(t); len(ts) != 1 {
		t.Fatalf("%d treatments", len(ts))
	}
	if _, err := b.sightings.FindSighting(context.Background(), b.path("room/x.mp4.tmp")); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("old name still has a sighting: %v", err)
	}

	// A temporary file confirmed by the wait, then renamed, in another
	// session.
	c = b.login(t, "rec", "pw")
	if err := c.Stor("y.mp4.part", strings.NewReader("later")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * b.cfg.ConfirmAfter)
	if err := c.Rename("y.mp4.part", "y.mp4"); err != nil {
		t.Fatal(err)
	}
	b.waitTreatment(t, "room/y.mp4")
}

// Renaming a held file moves the hold; deleting one releases it.
func TestHeldFileRenamedAndDeleted(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	for _, f := range []string{"r.mp4", "d.mp4"} {
		r := b.raw(t, "rec", "pw")
		d := r.storPart(f, content(10_000))
		d.Close()
		r.c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(b.log.String(), "ftp upload broken off") < 2 {
		if time.Now().After(deadline) {
			t.Fatal("uploads not broken off")
		}
		time.Sleep(5 * time.Millisecond)
	}
	c := b.login(t, "rec", "pw")
	if err := c.Rename("r.mp4", "renamed.mp4"); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("d.mp4"); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	time.Sleep(2 * b.cfg.ConfirmAfter)
	b.noTreatment(t)
	if !b.held(t, "room/renamed.mp4") || b.held(t, "room/r.mp4") || b.held(t, "room/d.mp4") {
		t.Error("holds not moved or released")
	}
	if _, err := os.Stat(b.path("room/d.mp4")); !os.IsNotExist(err) {
		t.Error("not deleted")
	}
}

func TestSubdirectory(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	rec := b.recorder(t, "room", "rec", "pw", nil)
	c := b.login(t, "rec", "pw")
	if err := c.MakeDir("2025"); err != nil {
		t.Fatal(err)
	}
	if err := c.ChangeDir("2025"); err != nil {
		t.Fatal(err)
	}
	if err := c.Stor("a.mp4", strings.NewReader("in a sub-directory")); err != nil {
		t.Fatal(err)
	}
	if err := c.Stor("/2025/b.mov", strings.NewReader("absolute path")); err != nil {
		t.Fatal(err)
	}
	if err := c.ChangeDir(".."); err != nil { // back up, still inside
		t.Fatal(err)
	}
	c.Quit()
	for _, f := range []string{"room/2025/a.mp4", "room/2025/b.mov"} {
		if tr := b.waitTreatment(t, f); tr.RecorderID == nil || *tr.RecorderID != rec.ID {
			t.Fatalf("%s: %+v", f, tr)
		}
	}
	if fi, err := os.Stat(b.path("room/2025")); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("sub-directory %v %v", fi, err)
	}
}

func TestListAndDownload(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	c := b.login(t, "rec", "pw")
	if err := c.Stor("one.mp4", strings.NewReader("12345")); err != nil {
		t.Fatal(err)
	}
	if err := c.MakeDir("dir"); err != nil {
		t.Fatal(err)
	}
	names, err := c.NameList("/")
	if err != nil || strings.Join(names, ",") != "dir,one.mp4" {
		t.Fatalf("NLST %v %v", names, err)
	}
	entries, err := c.List("")
	if err != nil || len(entries) != 2 {
		t.Fatalf("LIST %v %v", entries, err)
	}
	if n, err := c.FileSize("one.mp4"); err != nil || n != 5 {
		t.Fatalf("SIZE %d %v", n, err)
	}
	if _, err := c.GetTime("one.mp4"); err != nil {
		t.Fatalf("MDTM %v", err)
	}
	if got := readAll(t, c, "one.mp4"); got != "12345" {
		t.Fatalf("RETR %q", got)
	}
	if _, err := c.FileSize("missing.mp4"); ftpCode(err) != 550 {
		t.Fatalf("SIZE of a missing file: %v", err)
	}
	if err := c.RemoveDir("dir"); err != nil {
		t.Fatal(err)
	}
}

func TestPassiveAddress(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *ftp.Config) {
		c.PublicHost, c.PassivePortLow, c.PassivePortHigh = "127.0.0.2", 41000, 41099
	})
	b.recorder(t, "room", "rec", "pw", nil)
	r := b.raw(t, "rec", "pw")
	msg := r.cmd(227, "PASV")
	if !strings.Contains(msg, "(127,0,0,2,") {
		t.Fatalf("PASV %q", msg)
	}
	port := epsvRE.FindStringSubmatch(r.cmd(229, "EPSV"))
	if port == nil || port[1] < "41000" || port[1] > "41099" {
		t.Fatalf("EPSV port %v", port)
	}
	// Active mode only to the client itself.
	r.cmd(504, "PORT 10,9,9,9,200,10")
	r.cmd(504, "EPRT |1|127.0.0.1|80|")
	r.cmd(501, "PORT 1,2")
}

// Stop breaks off an upload under way: the file stays held.
func TestStopDuringUpload(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	r := b.raw(t, "rec", "pw")
	d := r.storPart("stopped.mp4", content(100_000))
	for fi, err := os.Stat(b.path("room/stopped.mp4")); err != nil || fi.Size() < 100_000; fi, err = os.Stat(b.path("room/stopped.mp4")) {
		time.Sleep(time.Millisecond)
	}
	done := make(chan struct{})
	go func() { b.srv.Stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop hangs on an upload under way")
	}
	// The client keeps sending: the server reads no more and the upload
	// breaks off.
	for i := 0; i < 100; i++ {
		if _, err := d.Write(content(64 * 1024)); err != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	d.Close()
	b.waitLog(t, "ftp upload broken off", "/room/stopped.mp4")
	b.noTreatment(t)
	if !b.held(t, "room/stopped.mp4") {
		t.Error("not held")
	}
}

// STOR replaces a file; REST n then STOR cuts it at n first.
func TestOverwrite(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	c := b.login(t, "rec", "pw")
	long, short := content(100_000), []byte("short")
	for _, step := range []struct {
		data   []byte
		offset uint64
		want   []byte
	}{
		{long, 0, long},
		{short, 0, short},
		{long, 0, long},
		{short, 1000, append(slices.Clone(long[:1000]), short...)},
		{short, 1005, append(slices.Clone(long[:1000]), append(short, short...)...)},
	} {
		if err := c.StorFrom("over.mov", bytes.NewReader(step.data), step.offset); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(b.path("room/over.mov")); !bytes.Equal(got, step.want) {
			t.Fatalf("after %d bytes at %d: %d bytes, want %d", len(step.data), step.offset, len(got), len(step.want))
		}
	}
	if err := c.StorFrom("over.mov", bytes.NewReader(short), 1_000_000); err == nil {
		t.Error("REST beyond the end accepted")
	}
	if got, _ := os.ReadFile(b.path("room/over.mov")); len(got) != 1010 {
		t.Errorf("a refused REST changed the file: %d bytes", len(got))
	}
}
