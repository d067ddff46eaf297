package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/keystore"
)

const usage = `usage: portal [-v] [command]

  -v                    log what the command does (subcommands are quiet otherwise)

commands:
  serve                 serve the portal (default)
  migrate               apply database migrations and exit
  user add --email E --name N --role po,engineer[,am,admin] [--password-stdin]
  user passwd --email E             (reads the new password from stdin)
  user list
  token create --email E --name N   (prints the token once on stdout)
  token revoke --id N
  keys new --id ID                  (prints a new master key entry "ID:base64" for PORTAL_MASTER_KEYS)
  keys status                       (how many private keys each master key version wraps)
  keys rotate [--batch N]           (rewrap every data key under the current master key; resumable)
  seed --demo                       (a few friendly clients at every step of the workflow)
  seed --remove-demo                (delete the demo data again)
  seed --clients N --certificates M (synthetic load data, written with COPY)
`

// ErrUsage is returned for a command line that does not parse.
var errUsage = errors.New("see 'portal help'")

// RunCommand runs one subcommand. Logs go to stderr; only requested output
// (a token, a list) goes to stdout.
func RunCommand(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	verbose := false
	if len(args) > 0 && (args[0] == "-v" || args[0] == "--verbose") {
		verbose, args = true, args[1:]
	}
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	// The server logs; a subcommand prints its answer and only warnings, unless -v.
	level := slog.LevelInfo
	if cmd != "serve" && !verbose {
		level = slog.LevelWarn
	}
	log := newLogger(cfg, stderr, level)
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "keys":
		if len(args) > 0 && args[0] == "new" {
			// Needs no database and no configured key: it makes the first one.
			return keysNew(args[1:], stdout, stderr)
		}
	case "serve", "migrate", "user", "token", "seed":
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	a, err := Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	switch cmd {
	case "serve":
		return a.Serve(ctx)
	case "migrate":
		fmt.Fprintln(stdout, "migrations are up to date")
		return nil
	case "user":
		return a.userCommand(ctx, args, stdin, stdout, stderr)
	case "token":
		return a.tokenCommand(ctx, args, stdout, stderr)
	case "keys":
		return a.keysCommand(ctx, args, stdout, stderr)
	case "seed":
		return a.seedCommand(ctx, args, stdout, stderr)
	}
	return nil
}

func keysNew(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keys new", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("id", "", "version id of the new key, e.g. 2026-03")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	entry, err := keystore.NewMasterKey(*id)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, entry)
	return nil
}

func (a *App) keysCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, fs, args, err := subcommand("keys", "new, status or rotate", args, stderr)
	if err != nil {
		return err
	}
	batch := fs.Int("batch", keystore.DefaultRotateBatch, "keys rewrapped per transaction")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	switch sub {
	case "status":
		return a.printKeyStatus(ctx, stdout)
	case "rotate":
		current := a.Keys.Ring().CurrentID()
		res, err := a.Keys.Rotate(ctx, *batch, func(done int) {
			fmt.Fprintf(stderr, "rewrapped %d keys under %s\n", done, current)
		})
		if err != nil {
			return fmt.Errorf("%w (run `portal keys rotate` again to finish; every key stays readable meanwhile)", err)
		}
		audErr := audit.Record(ctx, a.Pool, cliActor, "keys.rotate", "master key "+current, map[string]any{"rewrapped": res.Rewrapped})
		fmt.Fprintf(stdout, "%d keys rewrapped under %s in %d batches\n", res.Rewrapped, current, res.Batches)
		if err := a.printKeyStatus(ctx, stdout); err != nil {
			return err
		}
		return audErr
	}
	return fmt.Errorf("keys: unknown subcommand %q: %w", sub, errUsage)
}

// newTable starts a command's table: columns two spaces apart under the
// header; Flush writes it.
func newTable(w io.Writer, header ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	return tw
}

func (a *App) printKeyStatus(ctx context.Context, stdout io.Writer) error {
	status, err := a.Keys.Status(ctx)
	if err != nil {
		return err
	}
	tw := newTable(stdout, "MASTER KEY", "KEYS", "STATE")
	for _, v := range status {
		state := "configured"
		switch {
		case v.Current:
			state = "current"
		case !v.Configured:
			state = "NOT CONFIGURED: these keys cannot be opened; add this version back to the master keys"
		// A process keeps the current key it started with: until every one
		// has been restarted with the new one, some may still create keys
		// under an older version, so 0 keys now is not yet safe to remove.
		case v.Keys == 0:
			state = "configured, unused: no key uses it now; remove it only after every portal process has been restarted with the new current key, then check again"
		default:
			state = "configured: once every portal process has been restarted with the new current key, run `portal keys rotate`; remove it when it shows 0 keys"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\n", v.KEKID, v.Keys, state)
	}
	return tw.Flush()
}

// NewLogger returns the portal's logger: text in dev, JSON in production.
func NewLogger(cfg Config, w io.Writer) *slog.Logger {
	return newLogger(cfg, w, slog.LevelInfo)
}

func newLogger(cfg Config, w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// subcommand splits "<sub> flags..." off a command's arguments and starts the
// sub-command's flag set; with no sub-command it says which there are.
func subcommand(cmd, choices string, args []string, stderr io.Writer) (string, *flag.FlagSet, []string, error) {
	if len(args) == 0 {
		return "", nil, nil, fmt.Errorf("%s: say %s: %w", cmd, choices, errUsage)
	}
	fs := flag.NewFlagSet(cmd+" "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	return args[0], fs, args[1:], nil
}

var cliActor = audit.Actor{Email: "cli", Via: "cli"}

func (a *App) userCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	sub, fs, args, err := subcommand("user", "add, passwd or list", args, stderr)
	if err != nil {
		return err
	}
	email := fs.String("email", "", "email address (sign-in name)")
	name := fs.String("name", "", "full name")
	role := fs.String("role", "", "roles, comma-separated: po, engineer, am, admin")
	pwStdin := fs.Bool("password-stdin", false, "read a password from standard input")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	switch sub {
	case "add":
		roles, err := accounts.ParseRoles(*role)
		if err != nil {
			return fmt.Errorf("user add: --role: %w", err)
		}
		nu := accounts.NewUser{Email: *email, Name: *name, Roles: roles}
		if *pwStdin {
			if nu.Password, err = readSecret(stdin); err != nil {
				return err
			}
		}
		u, err := a.Accounts.CreateUser(ctx, cliActor, nu)
		if err != nil {
			return cliError("user add", err)
		}
		fmt.Fprintf(stdout, "created user %d <%s> with roles %s\n", u.ID, u.Email, *role)
		if !*pwStdin {
			fmt.Fprintln(stdout, "no password set: run `portal user passwd --email "+u.Email+"` or create an API token")
		}
		return nil
	case "passwd":
		u, err := a.userByEmail(ctx, *email)
		if err != nil {
			return err
		}
		pw, err := readSecret(stdin)
		if err != nil {
			return err
		}
		if err := a.Accounts.SetPassword(ctx, cliActor, u.ID, pw); err != nil {
			return cliError("user passwd", err)
		}
		fmt.Fprintf(stdout, "password set for <%s>\n", u.Email)
		return nil
	case "list":
		users, err := a.Accounts.ListUsers(ctx)
		if err != nil {
			return err
		}
		tw := newTable(stdout, "ID", "EMAIL", "NAME", "ROLES", "STATE")
		for _, u := range users {
			state := "active"
			if u.DisabledAt != nil {
				state = "disabled"
			}
			roles := make([]string, len(u.Roles))
			for i, r := range u.Roles {
				roles[i] = string(r)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, strings.Join(roles, ","), state)
		}
		return tw.Flush()
	}
	return fmt.Errorf("user: unknown subcommand %q: %w", sub, errUsage)
}

func (a *App) userByEmail(ctx context.Context, email string) (*accounts.User, error) {
	email = accounts.NormalizeEmail(email)
	users, err := a.Accounts.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	for i := range users {
		if users[i].Email == email {
			return &users[i], nil
		}
	}
	return nil, fmt.Errorf("no user with email %q", email)
}

func (a *App) tokenCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, fs, args, err := subcommand("token", "create or revoke", args, stderr)
	if err != nil {
		return err
	}
	email := fs.String("email", "", "the token's owner")
	name := fs.String("name", "", "what the token is for")
	id := fs.Int64("id", 0, "token id")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	switch sub {
	case "create":
		u, err := a.userByEmail(ctx, *email)
		if err != nil {
			return err
		}
		plaintext, _, err := a.Accounts.CreateToken(ctx, cliActor, u.ID, *name)
		if err != nil {
			return cliError("token create", err)
		}
		fmt.Fprintln(stdout, plaintext)
		return nil
	case "revoke":
		admin := &accounts.User{Roles: []accounts.Role{accounts.RoleAdmin}}
		if err := a.Accounts.RevokeToken(ctx, cliActor, admin, *id); err != nil {
			return cliError("token revoke", err)
		}
		fmt.Fprintf(stdout, "token %d revoked\n", *id)
		return nil
	}
	return fmt.Errorf("token: unknown subcommand %q: %w", sub, errUsage)
}

// readSecret reads one line from stdin (a pipe or a terminal).
func readSecret(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on stdin: pipe it in, e.g. printf '%s\\n' \"$PW\" | portal user add ... --password-stdin")
	}
	return line, nil
}

// cliError turns field errors into lines a shell user can read.
func cliError(what string, err error) error {
	if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "%s:", what)
		for k, v := range e.Fields {
			fmt.Fprintf(&b, "\n  --%s: %s", k, v)
		}
		return errors.New(b.String())
	}
	return fmt.Errorf("%s: %w", what, err)
}
