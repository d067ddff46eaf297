package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/app"
	"github.com/certportal/certportal/internal/pgtest"
)

func TestSubcommandsPrintOnlyTheirAnswerUnlessVerbose(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	dataDir := t.TempDir()
	tests := []struct {
		name      string
		args      []string
		wantInfos bool
	}{
		{"quiet by default", []string{"user", "list"}, false},
		{"logs with -v", []string{"-v", "user", "list"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := configOf(t, map[string]string{"DATABASE_URL": dbURL, "PORTAL_DATA_DIR": dataDir})
			var out, errOut strings.Builder
			if err := app.RunCommand(context.Background(), cfg, tt.args, strings.NewReader(""), &out, &errOut); err != nil {
				t.Fatalf("portal %v: %v\n%s", tt.args, err, errOut.String())
			}
			if !strings.HasPrefix(out.String(), "ID") {
				t.Errorf("stdout %q, want the user table", out.String())
			}
			if got := strings.Contains(errOut.String(), "level=INFO"); got != tt.wantInfos {
				t.Errorf("stderr has INFO lines: %v, want %v:\n%s", got, tt.wantInfos, errOut.String())
			}
		})
	}
}
