package password

import (
	"strings"
	"testing"
)

func TestHashCheck(t *testing.T) {
	t.Parallel()
	h, err := Hash("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if h == "s3cret" || !strings.HasPrefix(h, "$2") {
		t.Fatalf("hash looks wrong: %q", h)
	}
	if !Check(h, "s3cret") {
		t.Error("right password refused")
	}
	if Check(h, "wrong") || Check("", "") {
		t.Error("wrong password accepted")
	}
	if _, err := Hash(strings.Repeat("x", 73)); err != ErrTooLong {
		t.Errorf("73-byte password: err = %v, want ErrTooLong", err)
	}
}
