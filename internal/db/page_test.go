package db_test

import (
	"testing"

	"github.com/certportal/certportal/internal/db"
)

func TestWhereJoinsConditionsWithAndOrLeavesTheQueryAlone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		conds []string
		want  string
	}{
		{nil, "SELECT id FROM t"},
		{[]string{"a = $1"}, "SELECT id FROM t WHERE a = $1"},
		{[]string{"a = $1", "b < $2"}, "SELECT id FROM t WHERE a = $1 AND b < $2"},
	}
	for _, tt := range tests {
		if got := db.Where("SELECT id FROM t", tt.conds); got != tt.want {
			t.Errorf("Where(%q) = %q, want %q", tt.conds, got, tt.want)
		}
	}
}

func TestContainsTakesLikeWildcardsLiterally(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Acme", "%acme%"},
		{"50%_off", `%50\%\_off%`},
		{`a\b`, `%a\\b%`},
	}
	for _, tt := range tests {
		if got := db.Contains(tt.in); got != tt.want {
			t.Errorf("Contains(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
