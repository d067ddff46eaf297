package memo_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/expect"
	"github.com/certportal/certportal/internal/memo"
	"github.com/certportal/certportal/internal/pgtest"
)

// liveBus starts a bus over a fresh database and waits until it listens.
func liveBus(t *testing.T) (*memo.Bus, func(sql string, args ...any)) {
	t.Helper()
	pool := pgtest.Pool(t)
	bus := memo.NewBus(pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); bus.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	wait, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	if err := bus.WaitLive(wait); err != nil {
		t.Fatalf("bus never listened: %v", err)
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	return bus, exec
}

func TestACachedUserIsDroppedWhenAnyConnectionChangesTheirRow(t *testing.T) {
	t.Parallel()
	bus, exec := liveBus(t)
	users := memo.NewCache[string, string](bus, time.Hour, 10)
	bus.Subscribe("user", users.Forget)
	exec(`INSERT INTO users (email, name) VALUES ('a@example.com', 'A'), ('b@example.com', 'B')`)
	for _, id := range []string{"1", "2"} {
		if !users.Put(id, "cached", users.Ticket()) {
			t.Fatalf("a live cache did not keep user %s", id)
		}
	}
	exec(`UPDATE users SET roles = '{admin}' WHERE id = 1`)
	expect.Within(t, "user 1 dropped", func() bool { _, ok := users.Get("1"); return !ok })
	if _, ok := users.Get("2"); !ok {
		t.Errorf("user 2 was dropped though only user 1 changed")
	}
	exec(`DELETE FROM users WHERE id = 2`)
	expect.Within(t, "user 2 dropped after its delete", func() bool { _, ok := users.Get("2"); return !ok })
}

func TestAReadThatAChangeOvertookIsNotKept(t *testing.T) {
	t.Parallel()
	bus, _ := liveBus(t)
	c := memo.NewCache[int, string](bus, time.Hour, 10)
	ticket := c.Ticket() // the read starts
	c.Forget(7)          // a change to any row is announced meanwhile
	if c.Put(7, "old", ticket) {
		t.Fatalf("a value read before a change was kept after it")
	}
	if _, ok := c.Get(7); ok {
		t.Errorf("Get answered a value read before a change")
	}
	if !c.Put(7, "new", c.Ticket()) {
		t.Errorf("a value read after the change was not kept")
	}
}

func TestNothingIsCachedWhileTheBusDoesNotListen(t *testing.T) {
	t.Parallel()
	var idle *memo.Bus // never listening
	c := memo.NewCache[int, string](idle, time.Hour, 10)
	if c.Put(1, "x", c.Ticket()) {
		t.Errorf("a cache kept a value with no listener to tell it of changes")
	}
	if _, ok := c.Get(1); ok {
		t.Errorf("a cache answered with no listener")
	}
}

func TestEntriesAgeOutAndTheCacheStaysBounded(t *testing.T) {
	t.Parallel()
	bus, _ := liveBus(t)
	c := memo.NewCache[int, int](bus, 50*time.Millisecond, 3)
	for i := range 10 {
		c.Put(i, i, c.Ticket())
	}
	if n := c.Len(); n > 3 {
		t.Errorf("cache holds %d entries, bound is 3", n)
	}
	c.Put(42, 42, c.Ticket())
	time.Sleep(60 * time.Millisecond)
	if _, ok := c.Get(42); ok {
		t.Errorf("an entry older than the cache's age limit was answered")
	}
}
