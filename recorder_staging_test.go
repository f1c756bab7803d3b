package lectern_test

import (
	"testing"

	"lectern"
)

func TestReserved(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rel  string
		want bool
	}{
		{".opencast", true}, {"/.opencast/x/state.json", true}, {".OpenCast/x", true}, {"./.opencast", true},
		{"a/../.opencast/x", true}, {".", false}, {"", false}, {"talk.mp4", false}, {"sub/.opencast", false},
		{".opencast2", false}, {"opencast", false},
	} {
		if got := lectern.Reserved(tc.rel); got != tc.want {
			t.Errorf("Reserved(%q) = %v, want %v", tc.rel, got, tc.want)
		}
	}
}
