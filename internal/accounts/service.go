package accounts

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/textcheck"
)

// Sign-in throttling: after freeFailures wrong attempts within failureWindow, each
// further attempt must wait 30 s, doubling per failure, up to maxLockout. Counting per
// email (known or not) slows guessing without telling which emails exist.
const (
	failureWindow = 15 * time.Minute
	freeFailures  = 5
	baseLockout   = 30 * time.Second
	maxLockout    = 15 * time.Minute
)

// ErrBadCredentials is the one answer for an unknown email, a wrong password and a
// disabled account, so that sign-in does not reveal which accounts exist.
var ErrBadCredentials = errs.New(errs.Unauthorized, "Wrong email or password.")

// Service is the accounts API used by the web layer and the command line.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time

	dummyOnce sync.Once
	dummyHash string
}

// NewService returns a Service over pool.
func NewService(pool *pgxpool.Pool) *Service {
	return &Service{pool: pool, now: time.Now}
}

// CreateUser validates and stores a new user.
func (s *Service) CreateUser(ctx context.Context, actor audit.Actor, n NewUser) (*User, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	var hash *string
	if n.Password != "" {
		h, err := HashPassword(n.Password)
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

// SetPassword replaces a user's password.
func (s *Service) SetPassword(ctx context.Context, actor audit.Actor, id int64, password string) error {
	if msg := passwordProblem(password); msg != "" {
		return errs.Field("password", msg)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		u, err := getUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, id, hash); err != nil {
			return fmt.Errorf("accounts: set password %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor, "user.password", userSubject(u), nil)
	})
}

// GetUser returns one user.
func (s *Service) GetUser(ctx context.Context, id int64) (*User, error) {
	return getUser(ctx, s.pool, id)
}

// ListUsers returns every user, by name.
func (s *Service) ListUsers(ctx context.Context) ([]User, error) { return listUsers(ctx, s.pool) }

// CountUsers tells whether the portal has been set up.
func (s *Service) CountUsers(ctx context.Context) (int, error) { return countUsers(ctx, s.pool) }

// Authenticate checks an email and password. Failures are counted and audited, and
// every failure returns ErrBadCredentials, or a TooMany error while slowed down.
func (s *Service) Authenticate(ctx context.Context, email, password string) (*User, error) {
	email = NormalizeEmail(email)
	failures, last, err := loginFailures(ctx, s.pool, email, failureWindow)
	if err != nil {
		return nil, fmt.Errorf("accounts: authenticate: %w", err)
	}
	if wait := lockout(failures) - s.now().Sub(last); failures >= freeFailures && wait > 0 {
		return nil, errs.New(errs.TooMany, "Too many failed sign-ins for this account. Try again in %s.", humanWait(wait))
	}
	u, hash, err := getUserByEmailWithHash(ctx, s.pool, email)
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return nil, err
	}
	ok := false
	if u != nil && hash != "" {
		ok, err = CheckPassword(hash, password)
		if err != nil {
			return nil, err
		}
	} else {
		// Spend the same time as a real check so timing does not reveal unknown emails.
		CheckPassword(s.dummy(), password) //nolint:errcheck
	}
	if !ok || u.DisabledAt != nil {
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if err := recordLoginFailure(ctx, tx, email, failureWindow); err != nil {
				return err
			}
			reason := "wrong password"
			switch {
			case u == nil:
				reason = "unknown email"
			case u.DisabledAt != nil && ok:
				reason = "account disabled"
			case hash == "":
				reason = "no password set"
			}
			return audit.Record(ctx, tx, audit.Actor{Email: email, Via: "page"}, "auth.login_failed", "", map[string]any{"reason": reason})
		})
		if err != nil {
			return nil, fmt.Errorf("accounts: authenticate: %w", err)
		}
		return nil, ErrBadCredentials
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE email = $1`, email); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Actor{ID: u.ID, Email: u.Email, Via: "page"}, "auth.login", userSubject(u), nil)
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: authenticate: %w", err)
	}
	return u, nil
}

// Reauthenticate checks the password of a signed-in user before a sensitive action.
func (s *Service) Reauthenticate(ctx context.Context, u *User, password string) error {
	_, hash, err := getUserByEmailWithHash(ctx, s.pool, u.Email)
	if err != nil {
		return err
	}
	if hash == "" {
		return errs.Field("password", "This account has no password; sign in again.")
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		return err
	}
	if !ok {
		_ = audit.Record(ctx, s.pool, audit.Actor{ID: u.ID, Email: u.Email, Via: "page"}, "auth.reauth_failed", userSubject(u), nil)
		return errs.Field("password", "That password is not right.")
	}
	return nil
}

// RecordLogout audits a sign-out.
func (s *Service) RecordLogout(ctx context.Context, u *User) error {
	return audit.Record(ctx, s.pool, audit.Actor{ID: u.ID, Email: u.Email, Via: "page"}, "auth.logout", userSubject(u), nil)
}

func (s *Service) dummy() string {
	s.dummyOnce.Do(func() { s.dummyHash, _ = HashPassword("certportal-timing-equaliser") })
	return s.dummyHash
}

func lockout(failures int) time.Duration {
	if failures < freeFailures {
		return 0
	}
	d := time.Duration(float64(baseLockout) * math.Pow(2, float64(failures-freeFailures)))
	return min(d, maxLockout)
}

func humanWait(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d seconds", int(math.Ceil(d.Seconds())))
	}
	return fmt.Sprintf("%d minutes", int(math.Ceil(d.Minutes())))
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

// ListTokens returns a user's tokens, active first.
func (s *Service) ListTokens(ctx context.Context, userID int64) ([]Token, error) {
	return listTokens(ctx, s.pool, userID)
}

// RevokeToken revokes one of the user's own tokens (admins may revoke anyone's).
func (s *Service) RevokeToken(ctx context.Context, actor audit.Actor, actorUser *User, tokenID int64) error {
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
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = $1`, hashToken(plaintext)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, bad
	}
	if err != nil {
		return nil, nil, fmt.Errorf("accounts: token lookup: %w", err)
	}
	if t.RevokedAt != nil {
		return nil, nil, bad
	}
	u, err := getUser(ctx, s.pool, t.UserID)
	if err != nil {
		return nil, nil, err
	}
	if u.DisabledAt != nil {
		return nil, nil, bad
	}
	// Touch last_used_at at most once a minute: one write per request would be wasteful.
	if t.LastUsedAt == nil || s.now().Sub(*t.LastUsedAt) > time.Minute {
		if _, err := s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, t.ID); err != nil {
			return nil, nil, fmt.Errorf("accounts: token touch: %w", err)
		}
	}
	return u, t, nil
}
