// Package syncbuf is a bytes.Buffer that goroutines may write to while
// another reads it: the log sink of the tests that run a real server,
// whose handlers log from their own goroutines (and may still log after
// the test returned, which testing.TB.Output does not allow).
//
// It is a leaf: it imports the standard library only.
package syncbuf

import (
	"bytes"
	"sync"
)

// Buffer is a bytes.Buffer guarded by a mutex. The zero value is ready.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
