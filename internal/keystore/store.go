package keystore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
)

// ErrNotFound is returned when no private key has the id asked for.
var ErrNotFound = errors.New("keystore: no such private key")

// Store keeps sealed private keys in the private_keys table. Every method that
// writes takes the caller's transaction, so a key, the CSR made from it and the
// audit record of its making commit together or not at all.
type Store struct {
	pool *pgxpool.Pool
	ring *Ring
}

// NewStore returns a store that seals with ring's current master key.
func NewStore(pool *pgxpool.Pool, ring *Ring) *Store {
	return &Store{pool: pool, ring: ring}
}

// Ring is the master key ring the store seals and opens with.
func (s *Store) Ring() *Ring { return s.ring }

// KeyInfo is what is stored next to a sealed key in the clear: enough to list
// and match keys, nothing that helps to recover them.
type KeyInfo struct {
	KeyType         string // "rsa-2048", "ecdsa-p256", …
	PublicKeySHA256 string
	CreatedBy       int64 // user id; 0 for the system
}

// Put seals pkcs8 (a PKCS#8 DER private key) and stores it in tx, returning its
// id. The id is taken from the table's sequence first, so the ciphertext is
// bound to the row it is written to.
func (s *Store) Put(ctx context.Context, tx db.DBTX, pkcs8 []byte, info KeyInfo) (int64, error) {
	var id int64
	if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('private_keys', 'id'))`).Scan(&id); err != nil {
		return 0, fmt.Errorf("keystore: put: take an id: %w", err)
	}
	sealed, err := s.ring.Seal(id, pkcs8)
	if err != nil {
		return 0, err
	}
	var createdBy *int64
	if info.CreatedBy != 0 {
		createdBy = &info.CreatedBy
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO private_keys (id, kek_id, wrapped_dek, nonce, ciphertext, key_type, public_key_sha256, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		id, sealed.KEKID, sealed.WrappedDEK, sealed.Nonce, sealed.Ciphertext, info.KeyType, info.PublicKeySHA256, createdBy)
	if err != nil {
		return 0, fmt.Errorf("keystore: put %d: %w", id, err)
	}
	return id, nil
}

// Open reads and decrypts the key with the given id (PKCS#8 DER). The caller
// owns the bytes and should clear them once used. Pass the transaction that
// records the read, so a key is never handed out without its audit record.
func (s *Store) Open(ctx context.Context, q db.DBTX, id int64) ([]byte, error) {
	var sealed Sealed
	err := q.QueryRow(ctx, `SELECT kek_id, wrapped_dek, nonce, ciphertext FROM private_keys WHERE id = $1`, id).
		Scan(&sealed.KEKID, &sealed.WrappedDEK, &sealed.Nonce, &sealed.Ciphertext)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("keystore: open %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("keystore: open %d: %w", id, err)
	}
	plain, err := s.ring.Open(id, sealed)
	if errors.Is(err, ErrUnknownKEK) {
		// Not the user's fault and not a bug: the configuration lacks a
		// version. Say which, so an administrator can add it back.
		return nil, &errs.Error{Code: errs.Unavailable, Err: err, Message: fmt.Sprintf(
			"Private key %d is wrapped by master key version %s, which is not configured (PORTAL_MASTER_KEYS): an administrator must add that version back.", id, sealed.KEKID)}
	}
	return plain, err
}

// DefaultRotateBatch is how many keys Rotate rewraps per transaction.
const DefaultRotateBatch = 100

// RotateResult counts what a rotation did.
type RotateResult struct {
	Rewrapped int // data keys moved to the current master key
	Batches   int // transactions committed
	Current   string
}

// Rotate rewraps every data key that is not under the current master key, in
// transactions of batchSize rows. Each batch commits on its own, so a rotation
// that is interrupted (a crash, ctx cancelled) keeps what it did, every row
// stays readable (rows not yet done are still under their old version, which
// remains in the ring), and running Rotate again finishes the rest.
// afterBatch, when not nil, is called after each committed batch with the
// running total, for progress output.
func (s *Store) Rotate(ctx context.Context, batchSize int, afterBatch func(done int)) (RotateResult, error) {
	if batchSize <= 0 {
		batchSize = DefaultRotateBatch
	}
	res := RotateResult{Current: s.ring.CurrentID()}
	for {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("keystore: rotate: stopped after %d keys: %w", res.Rewrapped, err)
		}
		n, err := s.rotateBatch(ctx, batchSize)
		if err != nil {
			return res, fmt.Errorf("keystore: rotate: stopped after %d keys: %w", res.Rewrapped, err)
		}
		if n == 0 {
			return res, nil
		}
		res.Rewrapped += n
		res.Batches++
		if afterBatch != nil {
			afterBatch(res.Rewrapped)
		}
	}
}

// rotateBatch rewraps up to limit rows in one transaction. SKIP LOCKED lets two
// rotations run at once without waiting on or redoing each other's rows.
func (s *Store) rotateBatch(ctx context.Context, limit int) (int, error) {
	current := s.ring.CurrentID()
	done := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT id, kek_id, wrapped_dek, nonce, ciphertext FROM private_keys
			WHERE kek_id <> $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`, current, limit)
		if err != nil {
			return err
		}
		type row struct {
			id     int64
			sealed Sealed
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.sealed.KEKID, &r.sealed.WrappedDEK, &r.sealed.Nonce, &r.sealed.Ciphertext); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range batch {
			out, changed, err := s.ring.Rewrap(r.id, r.sealed)
			if err != nil {
				return err
			}
			if !changed {
				continue
			}
			tag, err := tx.Exec(ctx, `
				UPDATE private_keys SET kek_id = $2, wrapped_dek = $3, rewrapped_at = now()
				WHERE id = $1 AND kek_id = $4`, r.id, out.KEKID, out.WrappedDEK, r.sealed.KEKID)
			if err != nil {
				return err
			}
			done += int(tag.RowsAffected())
		}
		return nil
	})
	return done, err
}

// VersionCount is how many keys one master key version wraps.
type VersionCount struct {
	KEKID string
	Keys  int
	// Current is true for the version new keys are sealed under.
	Current bool
	// Configured is false when the ring lacks this version: those keys cannot
	// be opened until it is added back.
	Configured bool
}

// Status counts keys per master key version, current first, then the others
// by id. Versions in the ring that wrap no key are listed with 0.
func (s *Store) Status(ctx context.Context) ([]VersionCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT kek_id, count(*) FROM private_keys GROUP BY kek_id ORDER BY kek_id`)
	if err != nil {
		return nil, fmt.Errorf("keystore: status: %w", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	var order []string
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("keystore: status: %w", err)
		}
		counts[id] = n
		order = append(order, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("keystore: status: %w", err)
	}
	var out []VersionCount
	seen := map[string]bool{}
	for _, id := range s.ring.IDs() {
		out = append(out, VersionCount{KEKID: id, Keys: counts[id], Current: id == s.ring.CurrentID(), Configured: true})
		seen[id] = true
	}
	for _, id := range order {
		if !seen[id] {
			out = append(out, VersionCount{KEKID: id, Keys: counts[id]})
		}
	}
	return out, nil
}
