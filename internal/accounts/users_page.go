package accounts

import (
	"context"
	"fmt"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/page"
)

// UserSorts are the user list's sort keys, the default first; indexes on
// (lower(name), id), (email, id) and (created_at, id) serve them (00031).
var UserSorts = []string{"name", "email", "created"}

var userSortColumns = map[string]page.Column{
	"name":    {Expr: "lower(name)", Cast: "text", Lower: true},
	"email":   {Expr: "email", Cast: "text"},
	"created": {Expr: "created_at", Cast: "timestamptz"},
}

// UserFilter narrows the user list: Query matches part of the name or email,
// case-insensitively; AssignableAs, when set, keeps the active users who hold
// that role (an admin holds every role), those a project can name for it.
type UserFilter struct {
	Query        string
	AssignableAs Role
}

// UserPage returns one page of users in the order req asks for.
func (s *Service) UserPage(ctx context.Context, f UserFilter, req page.Request) (page.Result[User], error) {
	var conds []string
	var args []any
	if f.Query != "" {
		args = append(args, db.Contains(f.Query))
		conds = append(conds, fmt.Sprintf("(lower(name) LIKE $%d OR lower(email) LIKE $%[1]d)", len(args)))
	}
	if f.AssignableAs != "" {
		args = append(args, string(f.AssignableAs))
		conds = append(conds, fmt.Sprintf("disabled_at IS NULL AND ($%d = ANY(roles) OR 'admin' = ANY(roles))", len(args)))
	}
	return db.Page(ctx, s.pool, "accounts: user page", req, userSortColumns, "id", scanUser, func(u User) (string, int64) {
		switch req.Sort {
		case "email":
			return u.Email, u.ID
		case "created":
			return u.CreatedAt.UTC().Format("2006-01-02T15:04:05.999999Z07:00"), u.ID
		}
		return u.Name, u.ID
	}, `SELECT `+userColumns+` FROM users`, conds, args)
}
