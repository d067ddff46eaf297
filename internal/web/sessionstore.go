package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/memo"
)

// sessionStore is scs's store over the sessions table (the rows scs's pgxstore
// writes) with an in-process read-through cache in front, so that a signed-in
// request reads its session from memory. It also keeps the idle timeout: scs
// would otherwise commit every session on every request to move its expiry on
// (IdleTimeout); here the stored expiry moves on at most once per
// sessionRefresh, and scs commits only sessions that changed.
//
// A cached session is dropped when this process commits or deletes it, when it
// expires, and when any process changes or deletes its row (migration 00027
// announces it; see memo).
type sessionStore struct {
	pool  *pgxpool.Pool
	cache *memo.Cache[string, cachedSession]
	now   func() time.Time
	idle  time.Duration
	// codec is the session manager's codec too (see memoCodec).
	codec *memoCodec
}

type cachedSession struct {
	data []byte
	// expiry is the one stored in the row: the lifetime's deadline or idle
	// past the last request, whichever is sooner.
	expiry time.Time
}

// sessionRefresh is how far the stored idle expiry may lag behind the last
// request: an idle session may end up to this much early.
const sessionRefresh = time.Minute

// sessionCacheSize bounds the sessions held in memory (about 200 bytes each).
const sessionCacheSize = 100_000

func newSessionStore(pool *pgxpool.Pool, bus *memo.Bus, idle time.Duration) *sessionStore {
	st := &sessionStore{pool: pool, idle: idle, now: time.Now, codec: &memoCodec{decoded: map[string]decodedSession{}},
		cache: memo.NewCache[string, cachedSession](bus, 10*time.Minute, sessionCacheSize)}
	bus.Subscribe("session", st.cache.Forget)
	return st
}

// sessionKey names a session in the cache and in announcements: a hash, so
// the token itself never travels.
func sessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (st *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	k := sessionKey(token)
	now := st.now()
	e, ok := st.cache.Get(k)
	if !ok {
		t := st.cache.Ticket()
		err := st.pool.QueryRow(ctx, `SELECT data, expiry FROM sessions WHERE token = $1 AND now() < expiry`, token).Scan(&e.data, &e.expiry)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("web: session find: %w", err)
		}
		st.cache.Put(k, e, t)
	}
	if !now.Before(e.expiry) {
		st.cache.Forget(k)
		return nil, false, nil
	}
	if st.idle > 0 && e.expiry.Sub(now) < st.idle-sessionRefresh {
		// In use: move the idle expiry on (never past the lifetime's deadline).
		t := st.cache.Ticket()
		next := now.Add(st.idle)
		if deadline, _, err := st.codec.Decode(e.data); err == nil && deadline.Before(next) {
			next = deadline
		}
		tag, err := st.pool.Exec(ctx, `UPDATE sessions SET expiry = $2 WHERE token = $1 AND now() < expiry`, token, next)
		if err != nil {
			return nil, false, fmt.Errorf("web: session touch: %w", err)
		}
		if tag.RowsAffected() == 0 {
			st.cache.Forget(k)
			return nil, false, nil
		}
		e.expiry = next
		st.cache.Forget(k)
		st.cache.Put(k, e, t)
	}
	return e.data, true, nil
}

func (st *sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	k := sessionKey(token)
	if idle := st.now().Add(st.idle); st.idle > 0 && idle.Before(expiry) {
		expiry = idle
	}
	t := st.cache.Ticket()
	if _, err := st.pool.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry`, token, b, expiry); err != nil {
		st.cache.Forget(k)
		return fmt.Errorf("web: session commit: %w", err)
	}
	st.cache.Forget(k) // whatever was cached is older than this
	st.cache.Put(k, cachedSession{data: bytes.Clone(b), expiry: expiry}, t)
	return nil
}

func (st *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	defer st.cache.Forget(sessionKey(token))
	if _, err := st.pool.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, token); err != nil {
		return fmt.Errorf("web: session delete: %w", err)
	}
	return nil
}

// The context-free forms scs's Store interface also asks for.

func (st *sessionStore) Find(token string) ([]byte, bool, error) {
	return st.FindCtx(context.Background(), token)
}

func (st *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return st.CommitCtx(context.Background(), token, b, expiry)
}

func (st *sessionStore) Delete(token string) error {
	return st.DeleteCtx(context.Background(), token)
}

// memoCodec is scs's gob codec with the decoding of recent sessions kept: scs
// decodes the session on every request, and gob compiles its decoder anew each
// time. Callers get their own copy of the values.
type memoCodec struct {
	scs.GobCodec
	mu      sync.Mutex
	decoded map[string]decodedSession
}

type decodedSession struct {
	deadline time.Time
	values   map[string]any
}

const memoCodecSize = 10_000

func (c *memoCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	c.mu.Lock()
	d, ok := c.decoded[string(b)]
	c.mu.Unlock()
	if ok {
		return d.deadline, maps.Clone(d.values), nil
	}
	deadline, values, err := c.GobCodec.Decode(b)
	if err != nil {
		return deadline, values, err
	}
	c.mu.Lock()
	if len(c.decoded) >= memoCodecSize {
		clear(c.decoded)
	}
	c.decoded[string(b)] = decodedSession{deadline: deadline, values: maps.Clone(values)}
	c.mu.Unlock()
	return deadline, values, nil
}
