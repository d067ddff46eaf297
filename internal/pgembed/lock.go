package pgembed

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// flockFile is an exclusive flock(2) on a file. flock locks belong to the open
// file description, so they exclude other processes and also other Clusters in
// the same process (each opens the file itself), and the kernel drops them
// when the holder dies, even on kill -9. That last property is what lets a
// later process notice that the server's owner is gone.
type flockFile struct{ f *os.File }

// lockExclusive waits for an exclusive lock on path, giving up when ctx ends.
// It polls with LOCK_NB rather than blocking in flock so that cancellation
// works without leaking a goroutine stuck in the kernel.
func lockExclusive(ctx context.Context, path string) (*flockFile, error) {
	for {
		l, err := tryLockExclusive(path)
		if err != nil || l != nil {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("pgembed: waiting for lock %s: %w", path, context.Cause(ctx))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// tryLockExclusive returns (nil, nil) when someone else holds the lock.
func tryLockExclusive(path string) (*flockFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pgembed: open lock file: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	switch {
	case err == nil:
		return &flockFile{f: f}, nil
	case errors.Is(err, syscall.EWOULDBLOCK):
		f.Close()
		return nil, nil
	default:
		f.Close()
		return nil, fmt.Errorf("pgembed: lock %s: %w", path, err)
	}
}

// unlock releases the lock; closing the descriptor is enough for flock.
func (l *flockFile) unlock() {
	if l != nil && l.f != nil {
		l.f.Close()
		l.f = nil
	}
}
