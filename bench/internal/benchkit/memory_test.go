package benchkit

import (
	"os"
	"testing"
)

func TestReadMemory(t *testing.T) {
	t.Parallel()
	m, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS <= 0 || m.HWM < m.RSS || m.Anon+m.File <= 0 {
		t.Errorf("memory of this process: %+v", m)
	}
	if _, err := ReadMemory(-1); err == nil {
		t.Error("no error for a pid that cannot be")
	}
}
