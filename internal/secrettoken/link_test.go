package secrettoken_test

import (
	"testing"
	"time"

	"github.com/certportal/certportal/internal/secrettoken"
)

func TestALinkWorksUntilItExpiresOrIsRevoked(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	revoked := now.Add(-time.Minute)
	tests := []struct {
		name string
		link secrettoken.Link
		want bool
	}{
		{"live", secrettoken.Link{ExpiresAt: now.Add(time.Hour)}, true},
		{"expiring this instant", secrettoken.Link{ExpiresAt: now}, false},
		{"expired", secrettoken.Link{ExpiresAt: now.Add(-time.Hour)}, false},
		{"revoked before expiry", secrettoken.Link{ExpiresAt: now.Add(time.Hour), RevokedAt: &revoked}, false},
	}
	for _, tt := range tests {
		if got := tt.link.Active(now); got != tt.want {
			t.Errorf("%s: Active = %v, want %v", tt.name, got, tt.want)
		}
	}
}
