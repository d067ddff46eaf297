package accounts

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/page"
)

// UserSorts are the user list's sort keys, the default first; indexes on
// (lower(name), id), (email, id) and (created_at, id) serve them (00031).
var UserSorts = []string{"name", "email", "created"}

var userSortColumns = map[string]page.Column{
	"name":    {Expr: "lower(name)", Cast: "text"},
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
	var args []any
	conds := []string{"true"}
	if f.Query != "" {
		args = append(args, "%"+strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(f.Query))+"%")
		conds = append(conds, fmt.Sprintf("(lower(name) LIKE $%d OR lower(email) LIKE $%[1]d)", len(args)))
	}
	if f.AssignableAs != "" {
		args = append(args, string(f.AssignableAs))
		conds = append(conds, fmt.Sprintf("disabled_at IS NULL AND ($%d = ANY(roles) OR 'admin' = ANY(roles))", len(args)))
	}
	where, orderLimit, args := req.SQL(userSortColumns, "id", args)
	if where != "" {
		conds = append(conds, where)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users WHERE `+strings.Join(conds, " AND ")+orderLimit, args...)
	if err != nil {
		return page.Result[User]{}, fmt.Errorf("accounts: user page: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (User, error) {
		u, err := scanUser(row)
		if err != nil {
			return User{}, err
		}
		return *u, nil
	})
	if err != nil {
		return page.Result[User]{}, fmt.Errorf("accounts: user page: %w", err)
	}
	res := page.Finish(req, list, func(u User) (string, int64) {
		switch req.Sort {
		case "email":
			return u.Email, u.ID
		case "created":
			return u.CreatedAt.UTC().Format("2006-01-02T15:04:05.999999Z07:00"), u.ID
		}
		return strings.ToLower(u.Name), u.ID
	})
	if res.Items == nil {
		res.Items = []User{}
	}
	return res, nil
}
