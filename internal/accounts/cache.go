package accounts

import (
	"context"
	"slices"
	"time"

	"github.com/certportal/certportal/internal/memo"
)

// caches hold the users and API tokens that every request reads (see memo):
// dropped when this service changes one, and when migration 00027's triggers
// announce a change made anywhere (another replica, `portal user`).
type caches struct {
	users  *memo.Cache[int64, User]
	tokens *memo.Cache[string, Token] // by token hash
}

// UseCache turns on the user and token caches, kept exact by bus. Without it
// (the command line) every read goes to PostgreSQL.
func (s *Service) UseCache(bus *memo.Bus) {
	s.cache = caches{
		users:  memo.NewCache[int64, User](bus, 10*time.Minute, 10_000),
		tokens: memo.NewCache[string, Token](bus, 10*time.Minute, 10_000),
	}
	bus.Subscribe("user", func(key string) { s.forgetUserKey(key) })
	// Tokens change seldom (created, revoked): any change drops them all.
	bus.Subscribe("token", func(string) { s.cache.tokens.ForgetAll() })
}

func (s *Service) forgetUserKey(key string) {
	var id int64
	for _, c := range key {
		if c < '0' || c > '9' {
			s.cache.users.ForgetAll()
			return
		}
		id = id*10 + int64(c-'0')
	}
	s.cache.users.Forget(id)
}

// SignedInUser is GetUser for authenticating a request: from the cache while
// the user's row has not changed. The caller gets its own copy.
func (s *Service) SignedInUser(ctx context.Context, id int64) (*User, error) {
	if u, ok := s.cache.users.Get(id); ok {
		u.Roles = slices.Clone(u.Roles)
		return &u, nil
	}
	t := s.cache.users.Ticket()
	u, err := getUser(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	c := *u
	c.Roles = slices.Clone(u.Roles)
	s.cache.users.Put(id, c, t)
	return u, nil
}

// tokenByHash reads a token by its hash, from the cache when it is there.
func (s *Service) tokenByHash(ctx context.Context, hash []byte) (*Token, error) {
	k := string(hash)
	if t, ok := s.cache.tokens.Get(k); ok {
		return &t, nil
	}
	tk := s.cache.tokens.Ticket()
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = $1`, hash))
	if err != nil {
		return nil, err
	}
	s.cache.tokens.Put(k, *t, tk)
	return t, nil
}

// tokenUsed records in the cache that last_used_at was just written.
func (s *Service) tokenUsed(hash []byte, at time.Time) {
	s.cache.tokens.Update(string(hash), func(t *Token) { t.LastUsedAt = &at })
}
