// Package secrettoken makes the bearer secrets the portal hands out once and
// keeps only as a hash: a client's status link, a scan report's link, a
// user's calendar address. 256 random bits need no slow hash: there is
// nothing to guess, so SHA-256 of the token is what the database holds.
package secrettoken

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// New returns a fresh token (256 random bits, URL-safe base64 without
// padding) and the hash to store for it.
func New() (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("secrettoken: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, Hash(token), nil
}

// Hash is what the database keeps of token, and what a presented token is
// looked up by.
func Hash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
