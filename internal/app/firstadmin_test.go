package app

import (
	"testing"

	"github.com/certportal/certportal/internal/expect"
	"github.com/certportal/certportal/internal/keystore"
)

func TestTheFirstAdminCommandCarriesTheServersEnvironmentWithoutSecrets(t *testing.T) {
	t.Parallel()
	ring, err := keystore.ParseMasterKeys(mustNewKey(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		cfg        Config
		want, deny []string
	}{
		{"embedded database in a folder with a space and a quote",
			Config{DataDir: "/tmp/my data/it's", Env: "dev"},
			[]string{`PORTAL_DATA_DIR='/tmp/my data/it'\''s' ./bin/portal user add`}, []string{"go run", "DATABASE_URL"}},
		{"plain folder",
			Config{DataDir: "/tmp/x", Env: "dev"},
			[]string{"PORTAL_DATA_DIR=/tmp/x ./bin/portal user add", "--role admin"}, nil},
		{"outside database and master keys by reference only",
			Config{DatabaseURL: "postgres://u:hunter2@db/certportal", MasterKeys: ring, Env: "staging"},
			[]string{`DATABASE_URL="$DATABASE_URL"`, `PORTAL_MASTER_KEYS="$PORTAL_MASTER_KEYS"`, "PORTAL_ENV=staging", "./bin/portal"},
			[]string{"hunter2", "postgres://", "PORTAL_DATA_DIR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			expect.Says(t, "command", firstAdminCommand(tt.cfg), tt.want, tt.deny)
		})
	}
}

func mustNewKey(t *testing.T) string {
	t.Helper()
	k, err := keystore.NewMasterKey("2026-01")
	if err != nil {
		t.Fatal(err)
	}
	return k
}
