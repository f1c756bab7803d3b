package freeport

import (
	"fmt"
	"net"
	"testing"
)

func TestRange(t *testing.T) {
	t.Parallel()
	first, err := Range(5)
	if err != nil {
		t.Fatal(err)
	}
	for p := first; p < first+5; p++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			t.Errorf("port %d of the range: %v", p, err)
			continue
		}
		l.Close()
	}
}
