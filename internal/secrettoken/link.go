package secrettoken

import "time"

// Link is what the portal keeps of a token it handed out as a link: who made
// it, when, until when it works and whether it was revoked.
type Link struct {
	ID        int64      `json:"id"`
	CreatedBy string     `json:"created_by"` // email, "" when the user is gone
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// Active reports whether the link still works at now.
func (l *Link) Active(now time.Time) bool { return l.RevokedAt == nil && now.Before(l.ExpiresAt) }
