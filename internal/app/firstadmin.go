package app

import (
	"path/filepath"
	"strings"
)

// firstAdminCommand is the shell command that creates the first administrator in
// the same database this process uses: it carries the server's environment
// (data folder, and the database URL and master keys by reference, never their
// secret values) and names the built binary.
func firstAdminCommand(cfg Config) string {
	return portalCommand(cfg, "user add --email you@example.com --name 'Your Name' --role admin --password-stdin")
}

// portalCommand is the command line that runs ./bin/portal with args against
// the database this server uses: its data folder, or its DATABASE_URL and
// master keys by reference (never their values).
func portalCommand(cfg Config, args string) string {
	var env []string
	if cfg.DatabaseURL != "" {
		// A secret: the shell that runs the command must have it set as the server had.
		env = append(env, `DATABASE_URL="$DATABASE_URL"`)
	} else {
		dir := cfg.DataDir
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		env = append(env, "PORTAL_DATA_DIR="+shellQuote(dir))
	}
	if cfg.MasterKeys != nil {
		env = append(env, `PORTAL_MASTER_KEYS="$PORTAL_MASTER_KEYS"`)
	}
	if cfg.MasterKeyFile != "" {
		env = append(env, "PORTAL_MASTER_KEY_FILE="+shellQuote(cfg.MasterKeyFile))
	}
	if cfg.Env != "" && cfg.Env != "dev" {
		env = append(env, "PORTAL_ENV="+shellQuote(cfg.Env))
	}
	return strings.Join(env, " ") + " ./bin/portal " + args
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@,=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
