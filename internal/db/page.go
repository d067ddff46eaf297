package db

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/page"
)

// PageByID runs one page of a list keyset-paged by id alone (idExpr, newest
// first or oldest first as req says): sql selects the rows up to a WHERE of
// at least one condition, to which the keyset condition is added with AND.
// A failure is wrapped with what.
func PageByID[T any](ctx context.Context, q DBTX, what string, req page.Request, idExpr string,
	scan func(pgx.Row) (*T, error), id func(T) int64, sql string, args ...any) (page.Result[T], error) {
	where, orderLimit, args := req.SQL(map[string]page.Column{"id": {Expr: idExpr, Cast: "bigint"}}, idExpr, args)
	if where != "" {
		sql += " AND " + where
	}
	list, err := List(ctx, q, what, scan, sql+orderLimit, args...)
	if err != nil {
		return page.Result[T]{}, err
	}
	res := page.Finish(req, list, func(t T) (string, int64) { return strconv.FormatInt(id(t), 10), id(t) })
	if res.Items == nil {
		res.Items = []T{}
	}
	return res, nil
}
