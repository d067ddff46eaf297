package accounts

import (
	"context"
	"fmt"
	"time"

	"github.com/certportal/certportal/internal/errs"
)

// HashMemoryBytes is the memory one argon2id hash or check takes.
const HashMemoryBytes = argonMemoryKiB * 1024

// DefaultHashMemoryBudget is the memory password hashing may use at once when the
// configuration says nothing: 256 MiB, 13 concurrent hashes.
const DefaultHashMemoryBudget = 256 << 20

// hashBusyRetryAfter is what a refused sign-in tells the client to wait: a hash
// takes about 25 ms, so a slot is free again long before this.
const hashBusyRetryAfter = time.Second

// HashLimiter bounds how many password hashes run at once, so that a burst of
// anonymous sign-ins cannot take the process's memory (each hash holds 19 MiB).
type HashLimiter struct {
	slots chan struct{}
}

// NewHashLimiter allows as many concurrent hashes as fit in budgetBytes, at least
// one; a budget of zero or less means DefaultHashMemoryBudget.
func NewHashLimiter(budgetBytes int64) *HashLimiter {
	if budgetBytes <= 0 {
		budgetBytes = DefaultHashMemoryBudget
	}
	n := max(budgetBytes/HashMemoryBytes, 1)
	return &HashLimiter{slots: make(chan struct{}, n)}
}

// Capacity is how many hashes may run at once.
func (l *HashLimiter) Capacity() int { return cap(l.slots) }

// TryAcquire takes a slot without waiting; ok is false when every slot is busy.
func (l *HashLimiter) TryAcquire() (release func(), ok bool) {
	select {
	case l.slots <- struct{}{}:
		return l.release, true
	default:
		return nil, false
	}
}

// Acquire waits for a slot until ctx ends. Only signed-in administrators' actions
// (creating a user, setting a password) wait; sign-ins never queue.
func (l *HashLimiter) Acquire(ctx context.Context) (release func(), err error) {
	select {
	case l.slots <- struct{}{}:
		return l.release, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("accounts: wait to hash a password: %w", ctx.Err())
	}
}

func (l *HashLimiter) release() { <-l.slots }

// errHashingBusy answers a sign-in or re-authentication past the hashing limit.
func errHashingBusy() *errs.Error {
	e := errs.New(errs.Unavailable, "The portal is busy checking other sign-ins. Try again in a moment.")
	e.RetryAfter = hashBusyRetryAfter
	return e
}
