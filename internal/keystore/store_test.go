package keystore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/keystore"
	"github.com/certportal/certportal/internal/pgtest"
)

// putKeys stores n random stand-in keys and returns their ids and plaintexts.
// storeWithK1 is a fresh database and a Store sealing with the master key "k1".
func storeWithK1(t *testing.T) (*pgxpool.Pool, *keystore.Store) {
	t.Helper()
	pool := pgtest.Pool(t)
	k1, _ := masterKey(t, "k1")
	return pool, keystore.NewStore(pool, ring(t, k1))
}

func putKeys(t *testing.T, pool *pgxpool.Pool, st *keystore.Store, n int) ([]int64, [][]byte) {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	var plains [][]byte
	for range n {
		plain := pkcs8Sized(t)
		var id int64
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var err error
			id, err = st.Put(ctx, tx, plain, keystore.KeyInfo{KeyType: "rsa-2048", PublicKeySHA256: "00"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		plains = append(plains, plain)
	}
	return ids, plains
}

func TestStorePutThenOpenGivesBackTheKeyAndStoresNoPlaintext(t *testing.T) {
	t.Parallel()
	pool, st := storeWithK1(t)
	ids, plains := putKeys(t, pool, st, 2)

	got, err := st.Open(context.Background(), pool, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plains[1]) {
		t.Error("Open returned other bytes than Put stored")
	}
	var ciphertext []byte
	var kek string
	if err := pool.QueryRow(context.Background(), `SELECT kek_id, ciphertext FROM private_keys WHERE id = $1`, ids[1]).Scan(&kek, &ciphertext); err != nil {
		t.Fatal(err)
	}
	if kek != "k1" || bytes.Contains(ciphertext, plains[1][:16]) {
		t.Errorf("stored row has kek %q and holds the plaintext: %v", kek, bytes.Contains(ciphertext, plains[1][:16]))
	}
	if _, err := st.Open(context.Background(), pool, 999999); !errors.Is(err, keystore.ErrNotFound) {
		t.Errorf("Open of a missing id: %v, want ErrNotFound", err)
	}
}

func TestStoreRefusesASealedKeyCopiedIntoAnotherRow(t *testing.T) {
	t.Parallel()
	pool, st := storeWithK1(t)
	ids, _ := putKeys(t, pool, st, 2)
	// An attacker with write access to the table swaps the victim's sealed key
	// into a row they may read: the associated data names the row, so it fails.
	_, err := pool.Exec(context.Background(), `
		UPDATE private_keys AS dst SET kek_id = src.kek_id, wrapped_dek = src.wrapped_dek, nonce = src.nonce, ciphertext = src.ciphertext
		FROM private_keys AS src WHERE src.id = $1 AND dst.id = $2`, ids[0], ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Open(context.Background(), pool, ids[1]); !errors.Is(err, keystore.ErrDecrypt) {
		t.Errorf("opening a copied sealed key: %v, want ErrDecrypt", err)
	}
	if _, err := st.Open(context.Background(), pool, ids[0]); err != nil {
		t.Errorf("the original row no longer opens: %v", err)
	}
}

func TestStoreRefusesATamperedCiphertext(t *testing.T) {
	t.Parallel()
	pool, st := storeWithK1(t)
	ids, _ := putKeys(t, pool, st, 1)
	// Flip every bit of the tenth byte: writing a fixed 0xff left the
	// (random) ciphertext unchanged once in 256 runs.
	_, err := pool.Exec(context.Background(),
		`UPDATE private_keys SET ciphertext = set_byte(ciphertext, 9, get_byte(ciphertext, 9) # 255) WHERE id = $1`, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Open(context.Background(), pool, ids[0])
	if !errors.Is(err, keystore.ErrDecrypt) {
		t.Fatalf("opening a tampered ciphertext: %v, want ErrDecrypt", err)
	}
}

func TestRotationInterruptedHalfWayLosesNothingAndASecondRunFinishes(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	old, _ := masterKey(t, "2025")
	ids, plains := putKeys(t, pool, keystore.NewStore(pool, ring(t, old)), 7)

	next, _ := masterKey(t, "2026")
	st := keystore.NewStore(pool, ring(t, next, old))

	// Interrupt after the second batch of 2, as a crash or Ctrl-C would.
	stopCtx, stop := context.WithCancel(ctx)
	res, err := st.Rotate(stopCtx, 2, func(done int) {
		if done >= 4 {
			stop()
		}
	})
	if !errors.Is(err, context.Canceled) || res.Rewrapped != 4 {
		t.Fatalf("interrupted rotation: %d rewrapped, err %v; want 4 and context.Canceled", res.Rewrapped, err)
	}
	status, err := st.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint([]keystore.VersionCount{{KEKID: "2026", Keys: 4, Current: true, Configured: true}, {KEKID: "2025", Keys: 3, Configured: true}})
	if got := fmt.Sprint(status); got != want {
		t.Errorf("status half-way: %s, want %s", got, want)
	}
	for i, id := range ids {
		got, err := st.Open(ctx, pool, id)
		if err != nil || !bytes.Equal(got, plains[i]) {
			t.Errorf("half-way, key %d does not open as before: %v", id, err)
		}
	}

	res, err = st.Rotate(ctx, 2, nil)
	if err != nil || res.Rewrapped != 3 {
		t.Fatalf("second run: %d rewrapped, err %v; want 3", res.Rewrapped, err)
	}
	// With the old version removed from the configuration, every key still opens.
	onlyNew := keystore.NewStore(pool, ring(t, next))
	for i, id := range ids {
		got, err := onlyNew.Open(ctx, pool, id)
		if err != nil || !bytes.Equal(got, plains[i]) {
			t.Errorf("after rotation, key %d does not open under the new version alone: %v", id, err)
		}
	}
	status, _ = onlyNew.Status(ctx)
	if got, want := fmt.Sprint(status), fmt.Sprint([]keystore.VersionCount{{KEKID: "2026", Keys: 7, Current: true, Configured: true}}); got != want {
		t.Errorf("status after rotation: %s, want %s", got, want)
	}
	if res, err := st.Rotate(ctx, 2, nil); err != nil || res.Rewrapped != 0 {
		t.Errorf("a third run rewrapped %d (%v), want 0", res.Rewrapped, err)
	}
}

func TestStatusFlagsKeysUnderAVersionNoLongerConfigured(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	old, _ := masterKey(t, "old")
	putKeys(t, pool, keystore.NewStore(pool, ring(t, old)), 2)
	next, _ := masterKey(t, "new")
	status, err := keystore.NewStore(pool, ring(t, next)).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint([]keystore.VersionCount{{KEKID: "new", Current: true, Configured: true}, {KEKID: "old", Keys: 2}})
	if got := fmt.Sprint(status); got != want {
		t.Errorf("status: %s, want %s", got, want)
	}
}

func TestOpeningAKeyUnderAMissingMasterKeyIsUnavailableAndNamesTheVersion(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	old, oldText := masterKey(t, "2025-q4")
	ids, _ := putKeys(t, pool, keystore.NewStore(pool, ring(t, old)), 1)
	next, _ := masterKey(t, "2026-q1")
	_, err := keystore.NewStore(pool, ring(t, next)).Open(context.Background(), pool, ids[0])
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Unavailable || !errors.Is(err, keystore.ErrUnknownKEK) {
		t.Fatalf("open: %v, want an unavailable error wrapping ErrUnknownKEK", err)
	}
	want := fmt.Sprintf("Private key %d is wrapped by master key version 2025-q4, which is not configured (PORTAL_MASTER_KEYS)", ids[0])
	if !strings.Contains(e.Message, want) || strings.Contains(err.Error(), oldText) {
		t.Errorf("message %q, want it to contain %q and no key material", e.Message, want)
	}
}
