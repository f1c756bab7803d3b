package upload_test

import (
	"strings"
	"testing"

	"lectern/intake/upload"
)

func TestCleanName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"lecture.mp4", "lecture.mp4"},
		{"Cours 1 – Amphi B.MP4", "Cours 1 – Amphi B.MP4"},
		{"../../x.mp4", "x.mp4"},
		{"/etc/x.mp4", "x.mp4"},
		{`C:\videos\x.mp4`, "x.mp4"},
		{"dir/", ""},
		{"..", ""},
		{". . .", ""},
		{"", ""},
		{".bashrc", "bashrc"},
		{"  .x.mov  ", "x.mov"},
		{"a\x00b\tc\nd\x7fe.mp4", "abcde.mp4"},
		{"bad\xffutf8.mp4", "bad_utf8.mp4"},
		{"nel\u0085.mp4", "nel.mp4"},
		{strings.Repeat("a", 300) + ".mp4", strings.Repeat("a", 251) + ".mp4"},
		{strings.Repeat("a", 300) + ".averyveryverylongextension", strings.Repeat("a", 255)},
		{strings.Repeat("€", 100) + ".mp4", strings.Repeat("€", 83) + ".mp4"},
	} {
		got := upload.CleanName(c.in)
		if got != c.want {
			t.Errorf("CleanName(%q) = %q, want %q", c.in, got, c.want)
		}
		if len(got) > upload.MaxNameLength || strings.ContainsAny(got, "/\\\x00") || strings.HasPrefix(got, ".") {
			t.Errorf("CleanName(%q) = %q is not safe", c.in, got)
		}
	}
}
