package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/textcheck"
)

// ErrBadCredentials is the one answer for an unknown email, a wrong password and a
// disabled account, so that sign-in does not reveal which accounts exist.
var ErrBadCredentials = errs.New(errs.Unauthorized, "Wrong email or password.")

// Service is the accounts API used by the web layer and the command line.
type Service struct {
	pool    *pgxpool.Pool
	now     func() time.Time
	hashing *HashLimiter
	// checkPassword is CheckPassword; tests count the hashes computed through it.
	checkPassword func(hash, password string) (bool, error)

	dummyOnce sync.Once
	dummyHash string

	cache caches
}

// Options tune a Service; the zero value is the default.
type Options struct {
	// Hashing bounds concurrent password hashing; nil: DefaultHashMemoryBudget.
	Hashing *HashLimiter
}

// NewService returns a Service over pool with the default options.
func NewService(pool *pgxpool.Pool) *Service { return NewServiceWith(pool, Options{}) }

// NewServiceWith returns a Service over pool with opts.
func NewServiceWith(pool *pgxpool.Pool, opts Options) *Service {
	if opts.Hashing == nil {
		opts.Hashing = NewHashLimiter(DefaultHashMemoryBudget)
	}
	return &Service{pool: pool, now: time.Now, hashing: opts.Hashing, checkPassword: CheckPassword}
}

// hashWaiting hashes a password for a signed-in administrator or the command line,
// waiting for a hashing slot.
func (s *Service) hashWaiting(ctx context.Context, password string) (string, error) {
	release, err := s.hashing.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return HashPassword(password)
}

// CreateUser validates and stores a new user.
func (s *Service) CreateUser(ctx context.Context, actor audit.Actor, n NewUser) (*User, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	var hash *string
	if n.Password != "" {
		h, err := s.hashWaiting(ctx, n.Password)
		if err != nil {
			return nil, err
		}
		hash = &h
	}
	var u *User
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if u, err = insertUser(ctx, tx, n, hash); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "user.create", userSubject(u), map[string]any{
			"roles": rolesToStrings(u.Roles), "password_set": hash != nil,
		})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func userSubject(u *User) string { return fmt.Sprintf("user %d <%s>", u.ID, u.Email) }

// UserUpdate changes a user's name, roles or disabled state; nil fields stay.
type UserUpdate struct {
	Name     *string `json:"name"`
	Roles    []Role  `json:"roles"`
	Disabled *bool   `json:"disabled"`
}

// UpdateUser applies an admin's change. The last active admin cannot lose the role
// or be disabled, so the portal is never left without someone to manage it.
func (s *Service) UpdateUser(ctx context.Context, actor audit.Actor, id int64, up UserUpdate) (*User, error) {
	fe := errs.FieldErrors{}
	if up.Name != nil {
		*up.Name = strings.TrimSpace(*up.Name)
		fe.Check(*up.Name != "", "name", "Enter the person's name.")
		fe.Check(len(*up.Name) <= 200, "name", "Keep the name under 200 characters.")
		if problem := textcheck.Line(*up.Name); problem != "" {
			fe.Add("name", "The name "+problem+".")
		}
	}
	if up.Roles != nil {
		roles, err := ParseRoles(strings.Join(rolesToStrings(up.Roles), ","))
		if err != nil {
			fe.Add("roles", err.Error())
		}
		up.Roles = roles
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var u *User
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Serialise admin changes so two demotions cannot both pass the last-admin check.
		if _, err := tx.Exec(ctx, `LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		before, err := getUser(ctx, tx, id)
		if err != nil {
			return err
		}
		losesAdmin := before.Has(RoleAdmin) && ((up.Roles != nil && !containsRole(up.Roles, RoleAdmin)) || (up.Disabled != nil && *up.Disabled))
		if losesAdmin {
			var others int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE id <> $1 AND disabled_at IS NULL AND 'admin' = ANY(roles)`, id).Scan(&others); err != nil {
				return err
			}
			if others == 0 {
				return errs.Conflictf("This is the last active administrator: make someone else an administrator first.")
			}
		}
		var disabled any = nil
		if up.Disabled != nil {
			disabled = *up.Disabled
		}
		var roles any = nil
		if up.Roles != nil {
			roles = rolesToStrings(up.Roles)
		}
		u, err = scanUser(tx.QueryRow(ctx, `
			UPDATE users SET
				name = COALESCE($2, name),
				roles = COALESCE($3::text[], roles),
				disabled_at = CASE WHEN $4::boolean IS NULL THEN disabled_at WHEN $4 THEN COALESCE(disabled_at, now()) ELSE NULL END,
				updated_at = now()
			WHERE id = $1
			RETURNING `+userColumns, id, up.Name, roles, disabled))
		if err != nil {
			return fmt.Errorf("accounts: update user %d: %w", id, err)
		}
		details := map[string]any{}
		if up.Name != nil && *up.Name != before.Name {
			details["name"] = *up.Name
		}
		if up.Roles != nil {
			details["roles_before"] = rolesToStrings(before.Roles)
			details["roles"] = rolesToStrings(u.Roles)
		}
		if up.Disabled != nil {
			details["disabled"] = *up.Disabled
		}
		return audit.Record(ctx, tx, actor, "user.update", userSubject(u), details)
	})
	s.cache.users.Forget(id)
	if err != nil {
		return nil, err
	}
	return u, nil
}

func containsRole(roles []Role, r Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// SetPassword replaces a user's password and ends every session the user has:
// whoever knew the old password may be signed in with it. The session generation
// moves on, and sessions signed in under an older one are refused.
func (s *Service) SetPassword(ctx context.Context, actor audit.Actor, id int64, password string) error {
	if msg := passwordProblem(password); msg != "" {
		return errs.Field("password", msg)
	}
	hash, err := s.hashWaiting(ctx, password)
	if err != nil {
		return err
	}
	defer s.cache.users.Forget(id)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		u, err := getUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE users SET password_hash = $2, session_generation = session_generation + 1, updated_at = now()
			WHERE id = $1`, id, hash); err != nil {
			return fmt.Errorf("accounts: set password %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor, "user.password", userSubject(u), map[string]any{"sessions_ended": true})
	})
}

// GetUser returns one user.
func (s *Service) GetUser(ctx context.Context, id int64) (*User, error) {
	return getUser(ctx, s.pool, id)
}

// ListUsers returns every user, by name.
func (s *Service) ListUsers(ctx context.Context) ([]User, error) { return listUsers(ctx, s.pool) }

// CountUsers counts the users who can sign in: zero means the portal is not set up.
func (s *Service) CountUsers(ctx context.Context) (int, error) { return countUsers(ctx, s.pool) }

// Authenticate checks an email and password coming from source (the client's
// address). The attempt is counted before the hash is computed (see reserveAttempt);
// every failure returns ErrBadCredentials, a TooMany error while that account is
// slowed down from that source or the source itself is, or an Unavailable error when
// too many hashes are running already.
func (s *Service) Authenticate(ctx context.Context, email, password, source string) (*User, error) {
	email = NormalizeEmail(email)
	if email == "" {
		return nil, ErrBadCredentials
	}
	release, ok := s.hashing.TryAcquire()
	if !ok {
		return nil, errHashingBusy()
	}
	defer release()
	res, err := s.reserveAttempt(ctx, email, source)
	if err != nil {
		return nil, err
	}
	u, hash, err := getUserByEmailWithHash(ctx, s.pool, email)
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return nil, err
	}
	ok = false
	if u != nil && hash != "" {
		ok, err = s.checkPassword(hash, password)
		if err != nil {
			return nil, err
		}
	} else {
		// Spend the same time as a real check so timing does not reveal unknown emails.
		s.checkPassword(s.dummy(), password) //nolint:errcheck
	}
	if !ok || u.DisabledAt != nil {
		// The reservation already counted this failure.
		reason := "wrong password"
		switch {
		case u == nil:
			reason = "unknown email"
		case u.DisabledAt != nil && ok:
			reason = "account disabled"
		case hash == "":
			reason = "no password set"
		}
		if err := audit.Record(ctx, s.pool, audit.Actor{Email: email, Via: "page"}, "auth.login_failed", "", map[string]any{"reason": reason}); err != nil {
			return nil, fmt.Errorf("accounts: authenticate: %w", err)
		}
		return nil, ErrBadCredentials
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := res.succeeded(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Actor{ID: u.ID, Email: u.Email, Via: "page"}, "auth.login", userSubject(u), nil)
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: authenticate: %w", err)
	}
	return u, nil
}

// ErrReauthLockedOut answers a re-authentication after too many wrong passwords:
// the caller ends the session, and the person signs in again.
var ErrReauthLockedOut = errs.New(errs.TooMany, "Too many wrong passwords: you have been signed out. Sign in again.")

// Reauthenticate checks the password of a signed-in user before a sensitive action.
// Wrong passwords count with failed sign-ins from the same source; when they reach
// the sign-in limit it returns ErrReauthLockedOut and the session must end.
func (s *Service) Reauthenticate(ctx context.Context, u *User, password, source string) error {
	release, ok := s.hashing.TryAcquire()
	if !ok {
		return errHashingBusy()
	}
	defer release()
	_, hash, err := getUserByEmailWithHash(ctx, s.pool, u.Email)
	if err != nil {
		return err
	}
	if hash == "" {
		return errs.Field("password", "This account has no password; sign in again.")
	}
	res, err := s.reserveAttempt(ctx, u.Email, source)
	if errs.CodeOf(err) == errs.TooMany {
		s.recordReauthFailure(ctx, u, true)
		return ErrReauthLockedOut
	}
	if err != nil {
		return err
	}
	ok, err = s.checkPassword(hash, password)
	if err != nil {
		return err
	}
	if !ok {
		if res.failures >= freeFailures {
			s.recordReauthFailure(ctx, u, true)
			return ErrReauthLockedOut
		}
		s.recordReauthFailure(ctx, u, false)
		return errs.Field("password", "That password is not right.")
	}
	return res.succeeded(ctx, s.pool)
}

func (s *Service) recordReauthFailure(ctx context.Context, u *User, signedOut bool) {
	_ = audit.Record(ctx, s.pool, audit.Actor{ID: u.ID, Email: u.Email, Via: "page"}, "auth.reauth_failed", userSubject(u),
		map[string]any{"signed_out": signedOut})
}

// RecordLogout audits a sign-out.
func (s *Service) RecordLogout(ctx context.Context, u *User) error {
	return audit.Record(ctx, s.pool, audit.Actor{ID: u.ID, Email: u.Email, Via: "page"}, "auth.logout", userSubject(u), nil)
}

func (s *Service) dummy() string {
	s.dummyOnce.Do(func() { s.dummyHash, _ = HashPassword("certportal-timing-equaliser") })
	return s.dummyHash
}

// CreateToken makes a personal API token and returns its plaintext, shown once.
func (s *Service) CreateToken(ctx context.Context, actor audit.Actor, userID int64, name string) (string, *Token, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, errs.Field("name", "Give the token a name, such as the machine or script that will use it.")
	}
	if len(name) > 100 {
		return "", nil, errs.Field("name", "Keep the name under 100 characters.")
	}
	if problem := textcheck.Line(name); problem != "" {
		return "", nil, errs.Field("name", "The name "+problem+".")
	}
	plaintext, err := newTokenPlaintext()
	if err != nil {
		return "", nil, fmt.Errorf("accounts: create token: %w", err)
	}
	var t *Token
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		u, err := getUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		t, err = scanToken(tx.QueryRow(ctx, `
			INSERT INTO api_tokens (user_id, name, token_hash, prefix) VALUES ($1, $2, $3, $4)
			RETURNING `+tokenColumns, userID, name, hashToken(plaintext), displayPrefix(plaintext)))
		if err != nil {
			return fmt.Errorf("accounts: create token: %w", err)
		}
		return audit.Record(ctx, tx, actor, "token.create", userSubject(u), map[string]any{"token_id": t.ID, "name": name})
	})
	if err != nil {
		return "", nil, err
	}
	return plaintext, t, nil
}

// TokenPage returns one page of a user's tokens, as req says.
func (s *Service) TokenPage(ctx context.Context, userID int64, req page.Request) (page.Result[Token], error) {
	return tokenPage(ctx, s.pool, userID, req)
}

// ListTokens returns a user's tokens, active first.
func (s *Service) ListTokens(ctx context.Context, userID int64) ([]Token, error) {
	return listTokens(ctx, s.pool, userID)
}

// RevokeToken revokes one of the user's own tokens (admins may revoke anyone's).
func (s *Service) RevokeToken(ctx context.Context, actor audit.Actor, actorUser *User, tokenID int64) error {
	defer s.cache.tokens.ForgetAll()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := scanToken(tx.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = $1 FOR UPDATE`, tokenID))
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && t.UserID != actorUser.ID && !actorUser.Has(RoleAdmin)) {
			return errs.NotFoundf("token %d not found", tokenID)
		}
		if err != nil {
			return fmt.Errorf("accounts: revoke token %d: %w", tokenID, err)
		}
		if t.RevokedAt != nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, tokenID); err != nil {
			return fmt.Errorf("accounts: revoke token %d: %w", tokenID, err)
		}
		owner, err := getUser(ctx, tx, t.UserID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "token.revoke", userSubject(owner), map[string]any{"token_id": t.ID, "name": t.Name})
	})
}

// UserForToken resolves a bearer token. Unknown, revoked and disabled all answer
// Unauthorized with the same message.
func (s *Service) UserForToken(ctx context.Context, plaintext string) (*User, *Token, error) {
	bad := errs.New(errs.Unauthorized, "The API token is not valid.")
	if !strings.HasPrefix(plaintext, tokenPrefix) || len(plaintext) > 100 {
		return nil, nil, bad
	}
	hash := hashToken(plaintext)
	t, err := s.tokenByHash(ctx, hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, bad
	}
	if err != nil {
		return nil, nil, fmt.Errorf("accounts: token lookup: %w", err)
	}
	if t.RevokedAt != nil {
		return nil, nil, bad
	}
	u, err := s.SignedInUser(ctx, t.UserID)
	if err != nil {
		return nil, nil, err
	}
	if u.DisabledAt != nil {
		return nil, nil, bad
	}
	// Touch last_used_at at most once a minute: one write per request would be wasteful.
	if now := s.now(); t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if _, err := s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, t.ID); err != nil {
			return nil, nil, fmt.Errorf("accounts: token touch: %w", err)
		}
		s.tokenUsed(hash, now)
	}
	return u, t, nil
}
