// Package logtest holds what tests use to read a server's log while the
// server is still writing it.
package logtest

import (
	"bytes"
	"strings"
	"sync"
)

// Buffer is a log sink that the server's goroutines may write to while the
// test reads it. The zero value is ready to use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Count is how many times s was written so far.
func (b *Buffer) Count(s string) int { return strings.Count(b.String(), s) }
