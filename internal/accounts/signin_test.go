package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/pgtest"
)

const rightPassword = "correct horse battery"

// setupWith is setup with a chosen hashing limiter, the pool and a user to sign in as.
// wrongPasswords signs in n times with a wrong password from src and fails the
// test unless each attempt is checked and refused as bad credentials; when says
// which attempts these are in the failure message.
func wrongPasswords(t *testing.T, svc *accounts.Service, email, src string, n int, when string) {
	t.Helper()
	for i := range n {
		if _, err := svc.Authenticate(context.Background(), email, "not the password", src); !errors.Is(err, accounts.ErrBadCredentials) {
			t.Fatalf("wrong password %d%s from %s: %v, want it checked and refused", i+1, when, src, err)
		}
	}
}

func setupWith(t *testing.T, hashing *accounts.HashLimiter) (*accounts.Service, *pgxpool.Pool, *accounts.User) {
	t.Helper()
	pool := pgtest.Pool(t)
	svc := accounts.NewServiceWith(pool, accounts.Options{Hashing: hashing})
	u := createUser(t, svc, accounts.NewUser{
		Email: "owner@example.com", Name: "Owner", Roles: []accounts.Role{accounts.RoleAdmin}, Password: rightPassword,
	})
	return svc, pool, u
}

func TestConcurrentWrongPasswordsAreCountedBeforeAnyIsChecked(t *testing.T) {
	t.Parallel()
	// Room for all 100 at once, so only the throttle decides who is checked.
	svc, pool, _ := setupWith(t, accounts.NewHashLimiter(100*accounts.HashMemoryBytes))
	hashes := accounts.CountPasswordChecks(svc)
	ctx := context.Background()
	const attempts = 100
	start := make(chan struct{})
	results := make([]error, attempts)
	var wg sync.WaitGroup
	for i := range attempts {
		wg.Go(func() {
			<-start
			_, results[i] = svc.Authenticate(ctx, "owner@example.com", fmt.Sprintf("guess number %d", i), "203.0.113.9")
		})
	}
	close(start)
	wg.Wait()
	checked, refused := 0, 0
	for _, err := range results {
		switch {
		case errors.Is(err, accounts.ErrBadCredentials):
			checked++
		case errs.CodeOf(err) == errs.TooMany:
			refused++
		default:
			t.Errorf("unexpected answer: %v", err)
		}
	}
	if checked != 5 || refused != attempts-5 {
		t.Errorf("%d simultaneous wrong passwords: %d checked, %d refused; want 5 checked (the free failures) and %d refused",
			attempts, checked, refused, attempts-5)
	}
	if n := hashes.Load(); n != 5 {
		t.Errorf("%d argon2 checks ran, want 5: refused attempts must not be hashed", n)
	}
	var audited int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed'`).Scan(&audited); err != nil {
		t.Fatal(err)
	}
	if audited != 5 {
		t.Errorf("audit has %d failed sign-ins, want the 5 that were checked", audited)
	}
}

func TestFailuresCountPerAccountAndAddressSoTheOwnerElsewhereIsNotLockedOut(t *testing.T) {
	t.Parallel()
	svc, _, owner := setupWith(t, nil)
	ctx := context.Background()
	const attacker, office = "203.0.113.9", "198.51.100.7"
	wrongPasswords(t, svc, owner.Email, attacker, 5, "")
	_, err := svc.Authenticate(ctx, owner.Email, rightPassword, attacker)
	if e, ok := errs.As(err); !ok || e.Code != errs.TooMany || e.RetryAfter <= 0 {
		t.Fatalf("right password from the guessing address: %v, want TooMany with a RetryAfter", err)
	}
	got, err := svc.Authenticate(ctx, owner.Email, rightPassword, office)
	if err != nil || got.ID != owner.ID {
		t.Fatalf("the owner from another address: %v, %v; want signed in", got, err)
	}
}

func TestOneAddressGuessingAcrossManyAccountsIsSlowedDown(t *testing.T) {
	t.Parallel()
	svc, _, owner := setupWith(t, nil)
	ctx := context.Background()
	const sprayer = "203.0.113.66"
	// One guess at each of 20 accounts stays under every per-account limit.
	for i := range 20 {
		if _, err := svc.Authenticate(ctx, fmt.Sprintf("user%d@example.com", i), "Summer2026!!!", sprayer); !errors.Is(err, accounts.ErrBadCredentials) {
			t.Fatalf("guess %d: %v", i+1, err)
		}
	}
	if _, err := svc.Authenticate(ctx, "user99@example.com", "Summer2026!!!", sprayer); errs.CodeOf(err) != errs.TooMany {
		t.Errorf("21st account guessed from one address: %v, want TooMany", err)
	}
	if _, err := svc.Authenticate(ctx, owner.Email, rightPassword, "198.51.100.7"); err != nil {
		t.Errorf("another address is not held up by the sprayer: %v", err)
	}
}

func TestARightPasswordClearsOnlyItsOwnAccountsFailures(t *testing.T) {
	t.Parallel()
	svc, _, owner := setupWith(t, nil)
	ctx := context.Background()
	const src = "192.0.2.10"
	wrongPasswords(t, svc, owner.Email, src, 4, "")
	if _, err := svc.Authenticate(ctx, owner.Email, rightPassword, src); err != nil {
		t.Fatalf("fifth attempt, right password: %v", err)
	}
	// The four failures are forgotten: five more wrong passwords are checked again.
	wrongPasswords(t, svc, owner.Email, src, 5, " after signing in")
}

func TestALockoutEndsWhenItsWaitHasPassed(t *testing.T) {
	t.Parallel()
	svc, pool, owner := setupWith(t, nil)
	ctx := context.Background()
	const src = "192.0.2.11"
	for range 5 {
		_, _ = svc.Authenticate(ctx, owner.Email, "not the password", src)
	}
	if _, err := svc.Authenticate(ctx, owner.Email, rightPassword, src); errs.CodeOf(err) != errs.TooMany {
		t.Fatalf("locked: %v, want TooMany", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE sign_in_failures SET last_at = last_at - interval '31 seconds'`); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, owner.Email, rightPassword, src); err != nil {
		t.Errorf("31 s after the fifth failure: %v, want signed in", err)
	}
}

func TestHashingLimitFitsTheMemoryBudget(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	for _, tc := range []struct {
		budget int64
		want   int
	}{
		{0, 13},
		{256 * mib, 13},
		{19 * mib, 1},
		{1, 1},
		{38 * mib, 2},
		{1024 * mib, 53},
	} {
		if got := accounts.NewHashLimiter(tc.budget).Capacity(); got != tc.want {
			t.Errorf("budget %d bytes: %d concurrent hashes, want %d", tc.budget, got, tc.want)
		}
	}
}

func TestSignInPastTheHashingLimitIsRefusedNotQueued(t *testing.T) {
	t.Parallel()
	limiter := accounts.NewHashLimiter(accounts.HashMemoryBytes)
	svc, _, owner := setupWith(t, limiter)
	ctx := context.Background()
	release, ok := limiter.TryAcquire() // another sign-in is hashing
	if !ok {
		t.Fatal("the only slot is taken before the test")
	}
	done := make(chan error, 1)
	go func() {
		_, err := svc.Authenticate(ctx, owner.Email, rightPassword, "192.0.2.12")
		done <- err
	}()
	select {
	case err := <-done:
		if e, ok := errs.As(err); !ok || e.Code != errs.Unavailable || e.RetryAfter <= 0 {
			t.Errorf("sign-in while the slot is held: %v, want Unavailable with a RetryAfter", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sign-in waited for the busy slot instead of being refused")
	}
	if err := svc.Reauthenticate(ctx, owner, rightPassword, "192.0.2.12"); errs.CodeOf(err) != errs.Unavailable {
		t.Errorf("re-authentication while the slot is held: %v, want Unavailable", err)
	}
	release()
	if _, err := svc.Authenticate(ctx, owner.Email, rightPassword, "192.0.2.12"); err != nil {
		t.Errorf("sign-in once the slot is free: %v (a refusal must not count as a failure)", err)
	}
}

func TestWrongPasswordsAtReauthCountWithSignInFailuresAndEndTheSession(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		signInFailures int
		reauthFailures int // wrong passwords answered "not right" before the lockout
	}{
		{"five wrong re-authentications", 0, 4},
		{"two failed sign-ins then re-authentications", 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, _, owner := setupWith(t, nil)
			ctx := context.Background()
			const src = "192.0.2.13"
			for range tc.signInFailures {
				_, _ = svc.Authenticate(ctx, owner.Email, "not the password", src)
			}
			for i := range tc.reauthFailures {
				err := svc.Reauthenticate(ctx, owner, "not the password", src)
				if e, ok := errs.As(err); !ok || e.Fields["password"] == "" {
					t.Fatalf("wrong password %d: %v, want a message at password", i+1, err)
				}
			}
			if err := svc.Reauthenticate(ctx, owner, "not the password", src); !errors.Is(err, accounts.ErrReauthLockedOut) {
				t.Fatalf("the fifth failure: %v, want ErrReauthLockedOut", err)
			}
			if err := svc.Reauthenticate(ctx, owner, rightPassword, src); !errors.Is(err, accounts.ErrReauthLockedOut) {
				t.Errorf("the right password after the lockout: %v, want ErrReauthLockedOut", err)
			}
		})
	}
}

func TestSettingAPasswordMovesTheSessionGenerationOn(t *testing.T) {
	t.Parallel()
	svc, _, owner := setupWith(t, nil)
	ctx := context.Background()
	if err := svc.SetPassword(ctx, admin, owner.ID, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	after, err := svc.GetUser(ctx, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.SessionGeneration != owner.SessionGeneration+1 {
		t.Errorf("session generation %d after a password change, want %d", after.SessionGeneration, owner.SessionGeneration+1)
	}
	signedIn, err := svc.Authenticate(ctx, owner.Email, "a brand new passphrase", "192.0.2.14")
	if err != nil || signedIn.SessionGeneration != after.SessionGeneration {
		t.Errorf("sign-in with the new password: %v, %v; want the new generation %d", signedIn, err, after.SessionGeneration)
	}
}

func TestFailuresOlderThanTheWindowAreForgotten(t *testing.T) {
	t.Parallel()
	svc, pool, owner := setupWith(t, nil)
	ctx := context.Background()
	for _, src := range []string{"192.0.2.20", "192.0.2.21"} {
		wrongPasswords(t, svc, owner.Email, src, 1, "")
	}
	// Each attempt left a pair row and a source row; age those of the first address.
	if _, err := pool.Exec(ctx, `UPDATE sign_in_failures SET last_at = now() - interval '16 minutes' WHERE source = '192.0.2.20'`); err != nil {
		t.Fatal(err)
	}
	n, err := svc.ForgetOldSignInFailures(ctx)
	if err != nil || n != 2 {
		t.Fatalf("ForgetOldSignInFailures = %d, %v; want the 2 rows older than 15 minutes", n, err)
	}
	var left int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM sign_in_failures WHERE source = '192.0.2.21'`).Scan(&left); err != nil || left != 2 {
		t.Errorf("recent rows left: %d (%v), want 2", left, err)
	}
}
