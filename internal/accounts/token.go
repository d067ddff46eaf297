package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"
)

// tokenPrefix marks portal tokens so that secret scanners and people can tell them apart.
const tokenPrefix = "cpt_"

// Token is a personal API token. The plaintext is shown once, at creation; the
// database holds only its SHA-256 (tokens carry 160 random bits, so a fast hash is
// enough: there is nothing to guess).
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Active reports whether the token can still be used.
func (t Token) Active() bool { return t.RevokedAt == nil }

func newTokenPlaintext() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return tokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

func hashToken(plaintext string) []byte {
	sum := sha256.Sum256([]byte(plaintext))
	return sum[:]
}

// displayPrefix is what lists show so a user can tell tokens apart: not enough to use.
func displayPrefix(plaintext string) string {
	if len(plaintext) < len(tokenPrefix)+6 {
		return tokenPrefix
	}
	return plaintext[:len(tokenPrefix)+6]
}
