package ftp_test

import (
	"os"
	"strings"
	"testing"
)

// Names no file should have are refused with 553 and a reason, before
// anything is written: not UTF-8, a control character, too long.
func TestHostileNames(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	r := b.raw(t, "rec", "pw")
	for _, name := range []string{
		"caf\xe9.mp4",                     // Latin-1
		"\xff\xfe.mp4",                    // not text at all
		"nul\x00byte.mp4",                 // NUL
		"tab\tname.mp4",                   // control character
		"cr\rname.mp4",                    // CR inside the line
		strings.Repeat("n", 256) + ".mp4", // a component too long
		strings.Repeat("d/", 600) + "x.mp4",
	} {
		for _, cmd := range []string{"STOR", "APPE", "MKD", "RNFR", "DELE", "CWD", "SIZE"} {
			msg := r.cmd(553, "%s %s", cmd, name)
			if !strings.Contains(msg, "File name not allowed") {
				t.Errorf("%s %.40q: %q", cmd, name, msg)
			}
		}
	}
	// RNTO to a bad name from a good one.
	if err := os.WriteFile(b.path("room/ok.mp4"), []byte("x"), 0o640); err != nil {
		t.Fatal(err)
	}
	r.cmd(350, "RNFR ok.mp4")
	r.cmd(553, "RNTO caf\xe9.mp4")
	// A UTF-8 name of 255 bytes is fine.
	r.cmd(257, "MKD %s", strings.Repeat("é", 127)+"x")
	entries, err := os.ReadDir(b.path("room"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("the recorder's directory holds %d entries, want ok.mp4 and the folder", len(entries))
	}
	b.noTreatment(t)
}
