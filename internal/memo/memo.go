// Package memo keeps small in-process read-through caches of rows that every
// request reads (a session, its user, an API token) and drops an entry exactly
// when its row changes: triggers in PostgreSQL (migration 00027) announce each
// change on one LISTEN channel, in the writing transaction's commit, and a Bus
// hands the announcement to the caches. While the Bus is not listening (before
// it has connected, or after its connection broke) every cache answers "not
// cached", so a change can never be missed: the caches are only an optimisation
// of reads that still go to PostgreSQL whenever in doubt.
package memo

import (
	"sync"
	"sync/atomic"
	"time"
)

// Cache is a read-through cache of V by K, bound to a Bus for its life.
//
// A reader calls Get; on a miss it takes a Ticket before reading the row and
// hands it to Put, which stores the value only if nothing was
// invalidated in between (so a value read before a change can never be stored
// after the change's announcement).
type Cache[K comparable, V any] struct {
	bus *Bus
	ttl time.Duration
	max int
	now func() time.Time

	mu      sync.Mutex
	epoch   uint64
	entries map[K]entry[V]
}

type entry[V any] struct {
	v       V
	stored  time.Time
	busLife uint64
}

// NewCache returns a cache that keeps at most max entries, each for at most
// ttl (a safety net: invalidation is by announcement, not by age).
func NewCache[K comparable, V any](bus *Bus, ttl time.Duration, max int) *Cache[K, V] {
	return &Cache[K, V]{bus: bus, ttl: ttl, max: max, now: time.Now, entries: map[K]entry[V]{}}
}

// Get returns the cached value for k, if the bus is listening and the entry is
// younger than the cache's ttl.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	var zero V
	if c == nil {
		return zero, false
	}
	life, live := c.bus.life()
	if !live {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		return zero, false
	}
	if e.busLife != life || c.now().Sub(e.stored) >= c.ttl {
		delete(c.entries, k)
		return zero, false
	}
	return e.v, true
}

// Ticket is taken before reading a row that Put will store.
type Ticket struct {
	epoch, life uint64
	live        bool
}

// Ticket marks the start of a read: the cache's invalidation count and the
// bus's connection.
func (c *Cache[K, V]) Ticket() Ticket {
	if c == nil {
		return Ticket{}
	}
	life, live := c.bus.life()
	c.mu.Lock()
	defer c.mu.Unlock()
	return Ticket{epoch: c.epoch, life: life, live: live}
}

// Put stores v for k if, since t was taken, nothing was invalidated and the bus
// listened all along (an announcement sent while it did not would be lost). It
// reports whether it stored.
func (c *Cache[K, V]) Put(k K, v V, t Ticket) bool {
	if c == nil {
		return false
	}
	life, live := c.bus.life()
	if !live || !t.live || life != t.life {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != t.epoch {
		return false
	}
	if len(c.entries) >= c.max {
		// Bounded memory: start afresh rather than track recency.
		clear(c.entries)
	}
	c.entries[k] = entry[V]{v: v, stored: c.now(), busLife: life}
	return true
}

// Update changes a cached entry in place (keeping its age), if there is one.
func (c *Cache[K, V]) Update(k K, change func(*V)) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		change(&e.v)
		c.entries[k] = e
	}
}

// Forget drops k and fails every Put whose read began before now.
func (c *Cache[K, V]) Forget(k K) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	delete(c.entries, k)
}

// ForgetAll drops every entry.
func (c *Cache[K, V]) ForgetAll() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	clear(c.entries)
}

// Len is how many entries are held (for tests).
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// lifeState packs the bus's connection count and whether it is listening.
type lifeState struct {
	n    uint64
	live bool
}

// liveness is shared by the Bus and its caches: an entry stored during one
// listening connection is void in the next, since announcements sent while no
// connection listened are lost.
type liveness struct {
	v atomic.Pointer[lifeState]
}

func (l *liveness) get() (uint64, bool) {
	s := l.v.Load()
	if s == nil {
		return 0, false
	}
	return s.n, s.live
}

func (l *liveness) set(live bool) {
	n, _ := l.get()
	if live {
		n++
	}
	l.v.Store(&lifeState{n: n, live: live})
}
