package lectern_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
)

// TestResolveDepositHostile: paths an attacker sends (through the notify
// URL or the add form) are refused as invalid or missing, never as an
// internal error.
func TestResolveDepositHostile(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "amphi"), 0o750); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "amphi", "lecture.mp4")
	if err := os.WriteFile(file, []byte("x"), 0o640); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		code string
	}{
		{file + "\x00", lectern.EINVALID},
		{filepath.Join(root, "amphi", "a\x00b.mp4"), lectern.EINVALID},
		{filepath.Join(root, "amphi", strings.Repeat("n", 5000)+".mp4"), lectern.EINVALID},
		{filepath.Join(root, "amphi", strings.Repeat("d/", 3000)+"x.mp4"), lectern.ENOTFOUND},
		{filepath.Join(file, "below.mp4"), lectern.ENOTFOUND},
		{filepath.Join(root, "amphi", "..", "..", "..", "..", "..", "..", "..", "etc", "passwd"), lectern.EINVALID},
		{"relative.mp4", lectern.EINVALID},
	} {
		_, _, _, err := lectern.ResolveDeposit(root, tc.path)
		if lectern.ErrorCode(err) != tc.code {
			t.Errorf("%.80q: %v (code %q), want %s", tc.path, err, lectern.ErrorCode(err), tc.code)
		}
	}
	if abs, dir, size, err := lectern.ResolveDeposit(root, file); err != nil || abs != file || dir != "amphi" || size != 1 {
		t.Errorf("the deposit itself: %q %q %d %v", abs, dir, size, err)
	}
}
