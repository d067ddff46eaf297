package accounts

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
)

// Password attempts are throttled per (account, source address) and per source
// address. After freeFailures wrong attempts at one account from one address within
// failureWindow, each further attempt from there waits 30 s, doubling per failure, up
// to maxLockout; the account's owner elsewhere is not held up. One address may fail
// freeSourceFailures times across all accounts before the same back-off applies to
// it, which stops spraying many accounts from one place. Counting covers unknown
// emails too, so the throttle does not tell which accounts exist.
const (
	failureWindow      = 15 * time.Minute
	freeFailures       = 5
	freeSourceFailures = 20
	baseLockout        = 30 * time.Second
	maxLockout         = 15 * time.Minute
)

// sourceRow is the account value of the row that counts a source's attempts on
// every account.
const sourceRow = ""

// reservation is a password attempt counted before its hash is computed.
type reservation struct {
	account, source string
	// failures counts the pair's attempts so far, this one included.
	failures int
}

// reserveAttempt counts an attempt at account from source against both the pair and
// the source, in one statement, before any hash is computed: the statement only
// increments a counter that is below its limit or whose back-off has passed, so
// concurrent attempts cannot all slip past a count read earlier. When either
// counter refuses, nothing is counted and the error says how long to wait.
func (s *Service) reserveAttempt(ctx context.Context, account, source string) (*reservation, error) {
	if account == sourceRow {
		return nil, fmt.Errorf("accounts: reserve sign-in attempt: empty account")
	}
	res := &reservation{account: account, source: source}
	var refused bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Rows are listed source first, so concurrent reservations lock in one order.
		rows, err := tx.Query(ctx, `
			INSERT INTO sign_in_failures AS f (account, source, failures, last_at)
			VALUES ($1, $2, 1, now()), ($3, $2, 1, now())
			ON CONFLICT (account, source) DO UPDATE SET
				failures = CASE WHEN f.last_at <= now() - make_interval(secs => $4::float8) THEN 1 ELSE f.failures + 1 END,
				last_at = now()
			WHERE f.last_at <= now() - make_interval(secs => $4::float8)
			   OR f.failures < CASE WHEN f.account = '' THEN $5::int ELSE $6::int END
			   OR f.last_at <= now() - make_interval(secs => least(
					$7::float8 * power(2, least(f.failures - CASE WHEN f.account = '' THEN $5::int ELSE $6::int END, 30)), $8::float8))
			RETURNING f.account, f.failures`,
			sourceRow, source, account, failureWindow.Seconds(), freeSourceFailures, freeFailures,
			baseLockout.Seconds(), maxLockout.Seconds())
		if err != nil {
			return err
		}
		reserved := 0
		for rows.Next() {
			var acct string
			var n int
			if err := rows.Scan(&acct, &n); err != nil {
				rows.Close()
				return err
			}
			reserved++
			if acct == account {
				res.failures = n
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if reserved < 2 {
			refused = true
			return errRefused
		}
		return nil
	})
	if refused {
		return nil, s.lockedOut(ctx, account, source)
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: reserve sign-in attempt: %w", err)
	}
	return res, nil
}

var errRefused = errors.New("accounts: attempt refused")

// lockedOut builds the TooMany answer with the longest wait of the two counters.
func (s *Service) lockedOut(ctx context.Context, account, source string) error {
	rows, err := s.pool.Query(ctx, `
		SELECT account, failures, extract(epoch FROM now() - last_at)
		FROM sign_in_failures WHERE source = $1 AND account IN ('', $2)`, source, account)
	if err != nil {
		return fmt.Errorf("accounts: read sign-in failures: %w", err)
	}
	defer rows.Close()
	var wait time.Duration
	for rows.Next() {
		var acct string
		var n int
		var ago float64
		if err := rows.Scan(&acct, &n, &ago); err != nil {
			return fmt.Errorf("accounts: read sign-in failures: %w", err)
		}
		free := freeFailures
		if acct == sourceRow {
			free = freeSourceFailures
		}
		wait = max(wait, lockout(n, free)-time.Duration(ago*float64(time.Second)))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("accounts: read sign-in failures: %w", err)
	}
	wait = max(wait, time.Second)
	e := errs.New(errs.TooMany, "Too many failed sign-ins. Try again in %s.", humanWait(wait))
	e.RetryAfter = wait
	return e
}

// succeeded forgets the pair's failures and takes this attempt off the source's
// count: one right password does not clear a source that is guessing elsewhere.
func (r *reservation) succeeded(ctx context.Context, q db.DBTX) error {
	if _, err := q.Exec(ctx, `DELETE FROM sign_in_failures WHERE account = $1 AND source = $2`, r.account, r.source); err != nil {
		return fmt.Errorf("accounts: clear sign-in failures: %w", err)
	}
	if _, err := q.Exec(ctx, `UPDATE sign_in_failures SET failures = greatest(failures - 1, 0) WHERE account = $1 AND source = $2`,
		sourceRow, r.source); err != nil {
		return fmt.Errorf("accounts: clear sign-in failures: %w", err)
	}
	return nil
}

// lockout is how long to wait after failures when free of them are allowed.
func lockout(failures, free int) time.Duration {
	if failures < free {
		return 0
	}
	d := time.Duration(float64(baseLockout) * math.Pow(2, float64(min(failures-free, 30))))
	return min(d, maxLockout)
}

func humanWait(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d seconds", int(math.Ceil(d.Seconds())))
	}
	return fmt.Sprintf("%d minutes", int(math.Ceil(d.Minutes())))
}

// ForgetOldSignInFailures deletes counts older than the failure window: the next
// attempt would start them again from one anyway. The web server calls it with its
// session sweep, so guessing at many accounts leaves no lasting rows.
func (s *Service) ForgetOldSignInFailures(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sign_in_failures WHERE last_at <= now() - make_interval(secs => $1::float8)`,
		failureWindow.Seconds())
	if err != nil {
		return 0, fmt.Errorf("accounts: forget old sign-in failures: %w", err)
	}
	return tag.RowsAffected(), nil
}
