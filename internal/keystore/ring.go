// Package keystore encrypts private keys for storage: each key is sealed
// with its own random data key (DEK) under AES-256-GCM, and the data key is
// wrapped by a key-encryption key (KEK) from a Ring of versioned master keys.
//
// Rotation adds a new master key in front of the ring and rewraps every data
// key under it (Rewrap touches only the 60-byte wrapped key, never the
// ciphertext), so it is cheap, can run row by row, and loses nothing if it
// stops half-way: until an old version is removed from the configuration,
// rows still wrapped by it keep opening.
//
// This package does the crypto and reads key files; storing Sealed values in
// PostgreSQL belongs to the store built on top of it.
package keystore

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// KeySize is the size of master keys and data keys: AES-256.
const KeySize = 32

// ErrUnknownKEK is wrapped when a sealed value names a master key version the
// ring does not hold (it was removed from PORTAL_MASTER_KEYS too early).
var ErrUnknownKEK = errors.New("master key version is not configured")

// validID keeps ids safe to show in logs and errors and to embed in the
// associated data (no ":" or ","), and short enough for a database column:
// 1–32 of [A-Za-z0-9_-].
func validID(id string) bool {
	if len(id) == 0 || len(id) > 32 {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// kek is one master key version. Only the AES-GCM instance is kept, not the
// key bytes, so there is no raw key in memory for a stray print to show.
type kek struct {
	id   string
	aead cipher.AEAD
}

// Ring holds the master key versions, the first one current: Seal and Rewrap
// use it, Open accepts any of them. A Ring is immutable and safe for
// concurrent use. It prints, formats and logs as its version ids only.
type Ring struct {
	keks []kek
}

// ParseMasterKeys reads the PORTAL_MASTER_KEYS format: comma-separated
// "id:base64key" entries, the current key first, e.g.
// "2026-03:3q2+7w…=,dev-20260101:q83vEj…". The base64 may be standard or
// URL-safe, padded or not, and must decode to exactly 32 bytes. Ids are 1–32
// letters, digits, "_" or "-" and must be unique.
//
// Errors name the entry by position and (when valid) id, never by its key
// text, so they can be logged as they are.
func ParseMasterKeys(s string) (*Ring, error) {
	return parseEntries(strings.Split(s, ","))
}

func parseEntries(entries []string) (*Ring, error) {
	r := &Ring{}
	seen := make(map[string]bool)
	n := 0
	for _, entry := range entries {
		entry = strings.TrimSpace(entry)
		n++
		if entry == "" {
			return nil, fmt.Errorf("keystore: master keys: entry %d is empty", n)
		}
		id, encoded, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf(`keystore: master keys: entry %d is not in the form "id:base64key"`, n)
		}
		id, encoded = strings.TrimSpace(id), strings.TrimSpace(encoded)
		if !validID(id) {
			// Not quoted: a malformed entry may have the key where the id belongs.
			return nil, fmt.Errorf(`keystore: master keys: entry %d: the id must be 1-32 letters, digits, "_" or "-"`, n)
		}
		if seen[id] {
			return nil, fmt.Errorf("keystore: master keys: entry %d: id %q appears twice", n, id)
		}
		seen[id] = true
		key, err := decodeKey(encoded)
		if err != nil {
			return nil, fmt.Errorf("keystore: master keys: entry %d (id %q): %w", n, id, err)
		}
		aead, err := newGCM(key)
		clear(key)
		if err != nil {
			return nil, fmt.Errorf("keystore: master keys: entry %d (id %q): %w", n, id, err)
		}
		r.keks = append(r.keks, kek{id: id, aead: aead})
	}
	if len(r.keks) == 0 {
		return nil, errors.New("keystore: master keys: none configured")
	}
	return r, nil
}

// decodeKey accepts the base64 alphabets people paste from `openssl rand
// -base64 32` (standard, padded) and from URL-safe tools. Its errors never
// include the input or the decoder's message (which quotes an offset of it).
func decodeKey(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("the key is empty")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		key, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(key) != KeySize {
			n := len(key)
			clear(key)
			return nil, fmt.Errorf("the key decodes to %d bytes; it must be %d (make one with `openssl rand -base64 32`)", n, KeySize)
		}
		return key, nil
	}
	return nil, errors.New("the key is not valid base64")
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// CurrentID returns the version id new data keys are wrapped under.
func (r *Ring) CurrentID() string {
	if r == nil || len(r.keks) == 0 {
		return ""
	}
	return r.keks[0].id
}

// IDs returns the version ids, current first.
func (r *Ring) IDs() []string {
	if r == nil {
		return nil
	}
	ids := make([]string, len(r.keks))
	for i, k := range r.keks {
		ids[i] = k.id
	}
	return ids
}

// Has reports whether the ring holds the version id.
func (r *Ring) Has(id string) bool {
	_, ok := r.lookup(id)
	return ok
}

func (r *Ring) lookup(id string) (cipher.AEAD, bool) {
	if r == nil {
		return nil, false
	}
	for _, k := range r.keks {
		if k.id == id {
			return k.aead, true
		}
	}
	return nil, false
}

// String shows the version ids only, e.g. "keystore.Ring(current=k2, ids=[k2 k1])".
//
// String, GoString, Format and LogValue have value receivers so that a Ring
// printed by value, or inside another struct, renders the same way.
func (r Ring) String() string {
	return fmt.Sprintf("keystore.Ring(current=%s, ids=[%s])", r.CurrentID(), strings.Join(r.IDs(), " "))
}

// GoString makes %#v show the ids only.
func (r Ring) GoString() string {
	return fmt.Sprintf("keystore.Ring{IDs: %#v}", r.IDs())
}

// Format makes every verb (%v, %+v, %#v, %x, %d, …) print the ids only;
// without it, verbs that skip String, like %d, would walk into the fields.
func (r Ring) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, r.GoString())
		return
	}
	fmt.Fprint(f, r.String())
}

// LogValue makes slog record the ids only.
func (r Ring) LogValue() slog.Value {
	return slog.GroupValue(slog.String("current", r.CurrentID()), slog.Any("ids", r.IDs()))
}
