package db

import (
	"context"
	"strconv"
	"strings"

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
	return finish(ctx, q, what, req, scan, func(t T) (string, int64) { return strconv.FormatInt(id(t), 10), id(t) }, sql+orderLimit, args)
}

// Page runs one page of a filtered list sorted as req asks: sql selects the
// rows without a WHERE, conds (their values in args) narrow them, and req adds
// its keyset condition, order and limit over sorts, idExpr breaking ties. key
// gives an item's sort value and id for the cursors. A failure is wrapped with
// what.
func Page[T any](ctx context.Context, q DBTX, what string, req page.Request, sorts map[string]page.Column, idExpr string,
	scan func(pgx.Row) (*T, error), key func(T) (string, int64), sql string, conds []string, args []any) (page.Result[T], error) {
	where, orderLimit, args := req.SQL(sorts, idExpr, args)
	if where != "" {
		conds = append(conds, where)
	}
	return finish(ctx, q, what, req, scan, key, Where(sql, conds)+orderLimit, args)
}

// finish reads the rows of a page's query and makes them the page.
func finish[T any](ctx context.Context, q DBTX, what string, req page.Request,
	scan func(pgx.Row) (*T, error), key func(T) (string, int64), sql string, args []any) (page.Result[T], error) {
	list, err := List(ctx, q, what, scan, sql, args...)
	if err != nil {
		return page.Result[T]{}, err
	}
	return page.Finish(req, list, key), nil
}

// Where adds conds to sql as a WHERE clause joined by AND; none leaves sql as
// it is.
func Where(sql string, conds []string) string {
	if len(conds) == 0 {
		return sql
	}
	return sql + " WHERE " + strings.Join(conds, " AND ")
}

// Contains is the LIKE pattern that finds s anywhere in a lower-cased column,
// with LIKE's own characters in s taken literally.
func Contains(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(s)) + "%"
}
