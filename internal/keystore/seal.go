package keystore

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
)

// NonceSize is the AES-GCM nonce size. Nonces are random: with a fresh data
// key per record each key encrypts once, so collisions are not a concern.
const NonceSize = 12

// ErrDecrypt is wrapped when a sealed value fails authentication: it was
// changed, belongs to another record, or its master key has the right id but
// different bytes.
var ErrDecrypt = errors.New("sealed private key does not decrypt")

// wrappedDEKSize is a wrap nonce, the encrypted data key and the GCM tag.
const wrappedDEKSize = NonceSize + KeySize + 16

// Sealed is an encrypted private key as stored in one database row:
//
//	kek_id      text  NOT NULL  -- KEKID, to find rows to rotate: WHERE kek_id <> $current
//	wrapped_dek bytea NOT NULL  -- WrappedDEK, 60 bytes
//	nonce       bytea NOT NULL  -- Nonce, 12 bytes
//	ciphertext  bytea NOT NULL  -- Ciphertext, plaintext length + 16 bytes
//
// The data key's wrap nonce travels inside WrappedDEK, so a rotation
// updates exactly two columns (kek_id, wrapped_dek) and never the ciphertext;
// an UPDATE … WHERE id = $1 AND kek_id = $old makes concurrent rotations safe.
// All of it is useless without a master key, but it is still secret-adjacent:
// keep it out of logs.
type Sealed struct {
	KEKID      string // version id of the master key that wraps the data key
	WrappedDEK []byte // wrap nonce (12) || AES-256-GCM(KEK, data key) with tag (48)
	Nonce      []byte // AES-256-GCM nonce for Ciphertext
	Ciphertext []byte // AES-256-GCM(data key, plaintext) with its 16-byte tag
}

// String summarizes a sealed value by version and sizes: the bytes are
// useless without a master key, but they have no business in a log line.
func (s Sealed) String() string {
	return fmt.Sprintf("keystore.Sealed(kek=%s, wrapped_dek=%dB, nonce=%dB, ciphertext=%dB)", s.KEKID, len(s.WrappedDEK), len(s.Nonce), len(s.Ciphertext))
}

// LogValue makes slog record the summary, not the bytes.
func (s Sealed) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Associated data binds each ciphertext to its row: copying a sealed key into
// another row, or a wrapped data key to another row or version id, makes
// Open fail instead of handing out the wrong key.
func dataAAD(recordID int64) []byte {
	return []byte("certportal:private_key:" + strconv.FormatInt(recordID, 10))
}

func wrapAAD(kekID string, recordID int64) []byte {
	return []byte("certportal:dek:" + kekID + ":" + strconv.FormatInt(recordID, 10))
}

// Seal encrypts plaintext (a PKCS#8 private key) for the record with the
// given id under a fresh data key wrapped by the current master key.
// recordID must be the row's real, positive id, so the store assigns it
// before sealing (e.g. SELECT nextval(…), or INSERT then UPDATE in one
// transaction).
func (r *Ring) Seal(recordID int64, plaintext []byte) (Sealed, error) {
	if err := r.check(recordID); err != nil {
		return Sealed{}, fmt.Errorf("keystore: seal record %d: %w", recordID, err)
	}
	dek := make([]byte, KeySize)
	defer clear(dek)
	rand.Read(dek) // never fails since Go 1.24; it crashes the program instead

	data, err := newGCM(dek)
	if err != nil {
		return Sealed{}, fmt.Errorf("keystore: seal record %d: %w", recordID, err)
	}
	nonce := make([]byte, NonceSize)
	rand.Read(nonce)
	ciphertext := data.Seal(nil, nonce, plaintext, dataAAD(recordID))

	current := r.keks[0]
	return Sealed{
		KEKID:      current.id,
		WrappedDEK: wrap(current, recordID, dek),
		Nonce:      nonce,
		Ciphertext: ciphertext,
	}, nil
}

// Open decrypts a sealed value for the record with the given id. The caller
// owns the returned plaintext and should clear it once used.
func (r *Ring) Open(recordID int64, s Sealed) ([]byte, error) {
	if err := r.check(recordID); err != nil {
		return nil, fmt.Errorf("keystore: open record %d: %w", recordID, err)
	}
	if len(s.Nonce) != NonceSize || len(s.Ciphertext) < 16 {
		return nil, fmt.Errorf("keystore: open record %d: %w: nonce or ciphertext has the wrong length", recordID, ErrDecrypt)
	}
	dek, err := r.unwrap(recordID, s)
	if err != nil {
		return nil, fmt.Errorf("keystore: open record %d: %w", recordID, err)
	}
	defer clear(dek)
	data, err := newGCM(dek)
	if err != nil {
		return nil, fmt.Errorf("keystore: open record %d: %w", recordID, err)
	}
	plaintext, err := data.Open(nil, s.Nonce, s.Ciphertext, dataAAD(recordID))
	if err != nil {
		return nil, fmt.Errorf("keystore: open record %d: %w: the ciphertext was changed or belongs to another record", recordID, ErrDecrypt)
	}
	return plaintext, nil
}

// Rewrap re-encrypts the data key of s under the current master key and
// returns the updated value; the nonce and ciphertext are shared with s, not
// copied or changed. When s already uses the current key it is returned as
// it is, with changed false. Rewrap authenticates the data key, not the
// ciphertext; Open still catches a damaged ciphertext.
func (r *Ring) Rewrap(recordID int64, s Sealed) (out Sealed, changed bool, err error) {
	if err := r.check(recordID); err != nil {
		return s, false, fmt.Errorf("keystore: rewrap record %d: %w", recordID, err)
	}
	current := r.keks[0]
	if s.KEKID == current.id {
		return s, false, nil
	}
	dek, err := r.unwrap(recordID, s)
	if err != nil {
		return s, false, fmt.Errorf("keystore: rewrap record %d: %w", recordID, err)
	}
	defer clear(dek)
	s.KEKID = current.id
	s.WrappedDEK = wrap(current, recordID, dek)
	return s, true, nil
}

func (r *Ring) check(recordID int64) error {
	if r == nil || len(r.keks) == 0 {
		return errors.New("no master keys configured")
	}
	if recordID <= 0 {
		return errors.New("the record id must be positive (was the row inserted yet?)")
	}
	return nil
}

func wrap(k kek, recordID int64, dek []byte) []byte {
	out := make([]byte, NonceSize, wrappedDEKSize)
	rand.Read(out)
	return k.aead.Seal(out, out[:NonceSize], dek, wrapAAD(k.id, recordID))
}

func (r *Ring) unwrap(recordID int64, s Sealed) ([]byte, error) {
	aead, ok := r.lookup(s.KEKID)
	if !ok {
		return nil, fmt.Errorf("%w: the data key is wrapped by master key version %q, but only %q are configured; add it back to PORTAL_MASTER_KEYS",
			ErrUnknownKEK, s.KEKID, r.IDs())
	}
	if len(s.WrappedDEK) != wrappedDEKSize {
		return nil, fmt.Errorf("%w: the wrapped data key is %d bytes, not %d", ErrDecrypt, len(s.WrappedDEK), wrappedDEKSize)
	}
	dek, err := aead.Open(nil, s.WrappedDEK[:NonceSize], s.WrappedDEK[NonceSize:], wrapAAD(s.KEKID, recordID))
	if err != nil {
		return nil, fmt.Errorf("%w: the wrapped data key was changed, belongs to another record, or master key %q is not the key it was wrapped with", ErrDecrypt, s.KEKID)
	}
	return dek, nil
}
