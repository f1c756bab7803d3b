package pgtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBinDirIn(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	pattern := filepath.Join(root, "*", "bin", "initdb")
	if _, err := binDirIn(pattern); err == nil || !strings.Contains(err.Error(), "scripts/deps postgresql") || !strings.Contains(err.Error(), EnvURL) {
		t.Fatalf("no PostgreSQL: %v; want an error saying what to run", err)
	}
	for _, v := range []string{"9", "15", "13"} {
		dir := filepath.Join(root, v, "bin")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "initdb"), nil, 0o755)
	}
	if got, err := binDirIn(pattern); err != nil || got != filepath.Join(root, "15", "bin") {
		t.Fatalf("binDirIn = %q, %v; want the newest version's", got, err)
	}
}

func TestNewDatabase(t *testing.T) {
	t.Parallel()
	a, b := NewDatabase(t), NewDatabase(t)
	if a == b || !strings.HasPrefix(a, "postgres://") {
		t.Fatalf("databases %q and %q", a, b)
	}
}
