package ftp_test

import (
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A passive data connection opened by another address than the control
// connection's (a thief who saw the PASV reply, or guessed the port) gets
// neither a listing nor a file, and cannot upload in the recorder's name.
func TestStolenDataConnection(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	if err := os.WriteFile(b.path("room/secret.mp4"), []byte("secret bytes"), 0o640); err != nil {
		t.Fatal(err)
	}
	r := b.raw(t, "rec", "pw")
	steal := func() net.Conn {
		t.Helper()
		m := epsvRE.FindStringSubmatch(r.cmd(229, "EPSV"))
		port, _ := strconv.Atoi(m[1])
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 5 * time.Second}
		thief, err := d.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { thief.Close() })
		return thief
	}
	for _, cmd := range []string{"STOR stolen.mp4", "APPE stolen.mp4", "RETR secret.mp4", "LIST", "NLST", "MLSD"} {
		thief := steal()
		if cmd == "STOR stolen.mp4" || cmd == "APPE stolen.mp4" {
			go thief.Write([]byte("forged content"))
		}
		msg := r.cmd(425, "%s", cmd)
		if !strings.Contains(msg, "same address") {
			t.Errorf("%s: %q", cmd, msg)
		}
		_ = thief.SetReadDeadline(time.Now().Add(2 * time.Second))
		if got, _ := io.ReadAll(thief); len(got) > 0 {
			t.Errorf("%s: the thief read %q", cmd, got)
		}
	}
	if _, err := os.Stat(b.path("room/stolen.mp4")); !os.IsNotExist(err) {
		t.Errorf("stolen.mp4 was written (%v)", err)
	}
	// The client itself goes on as usual.
	d := r.data()
	r.cmd(150, "STOR mine.mp4")
	d.Write([]byte("mine"))
	d.Close()
	r.expect(226)
	r.cmd(200, "NOOP")
	b.waitTreatment(t, "room/mine.mp4")
	if !strings.Contains(b.log.String(), "ftp data connection from another address: refused") {
		t.Error("the refusal is not logged")
	}
}

// Active mode (PORT, EPRT) uses Lectern's data sockets too: the server
// connects to the client, and a new PORT replaces the last.
func TestActiveMode(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	r := b.raw(t, "rec", "pw")
	listen := func() net.Listener {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}
	l := listen()
	port := l.Addr().(*net.TCPAddr).Port
	r.cmd(200, "PORT 127,0,0,1,%d,%d", port/256, port%256)
	d, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	r.cmd(150, "STOR active.mp4")
	d.Write([]byte("active bytes"))
	d.Close()
	r.expect(226)

	l = listen()
	r.cmd(200, "EPRT |1|127.0.0.1|%d|", l.Addr().(*net.TCPAddr).Port)
	d, err = l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	r.cmd(150, "NLST")
	_ = d.SetReadDeadline(time.Now().Add(5 * time.Second))
	list, _ := io.ReadAll(d)
	r.expect(226)
	if !strings.Contains(string(list), "active.mp4") {
		t.Errorf("NLST: %q", list)
	}
	b.waitTreatment(t, "room/active.mp4")
}
