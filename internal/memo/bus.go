package memo

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Channel is the LISTEN channel migration 00027's triggers announce on. A
// payload is "kind:key", e.g. "user:42", "token:7" or "session:<sha-256 hex>".
const Channel = "certportal_cache"

// Bus listens on Channel over its own connection and calls the handler
// subscribed to each announcement's kind. A nil *Bus is never listening, so
// caches on it never hold anything.
type Bus struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	l    liveness

	mu   sync.Mutex
	subs map[string][]func(key string)
}

// NewBus returns a bus over pool's database; Run starts listening.
func NewBus(pool *pgxpool.Pool, log *slog.Logger) *Bus {
	if log == nil {
		log = slog.Default()
	}
	return &Bus{pool: pool, log: log, subs: map[string][]func(string){}}
}

func (b *Bus) life() (uint64, bool) {
	if b == nil {
		return 0, false
	}
	return b.l.get()
}

// Live reports whether the bus is listening (and so caches may answer).
func (b *Bus) Live() bool {
	_, live := b.life()
	return live
}

// Subscribe calls fn with the key of every announcement of kind.
func (b *Bus) Subscribe(kind string, fn func(key string)) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs[kind] = append(b.subs[kind], fn)
}

// Deliver hands one payload to its subscribers, as an announcement would.
func (b *Bus) Deliver(payload string) {
	kind, key, _ := strings.Cut(payload, ":")
	b.mu.Lock()
	fns := b.subs[kind]
	b.mu.Unlock()
	for _, fn := range fns {
		fn(key)
	}
}

// Run listens until ctx ends, reconnecting after a failure; caches answer only
// while a LISTEN is in place.
func (b *Bus) Run(ctx context.Context) {
	for ctx.Err() == nil {
		err := b.listen(ctx)
		b.l.set(false)
		if ctx.Err() != nil {
			return
		}
		b.log.Warn("cache announcements: listening stopped; caches are off until it is back", "error", err.Error())
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (b *Bus) listen(ctx context.Context) error {
	// A connection of its own: WaitForNotification holds it for good.
	conn, err := pgx.ConnectConfig(ctx, b.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("memo: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return fmt.Errorf("memo: listen: %w", err)
	}
	b.l.set(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("memo: wait: %w", err)
		}
		b.Deliver(n.Payload)
	}
}

// WaitLive blocks until the bus listens or ctx ends (for tests and start-up).
func (b *Bus) WaitLive(ctx context.Context) error {
	for !b.Live() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}
