// Package page is keyset pagination for the portal's lists: a request names a
// sort key, a direction, a limit and optionally a cursor (the sort value and id
// of the last row seen); the store turns that into
// `WHERE (col, id) > ($v, $id) ORDER BY col, id LIMIT n+1`, which an index on
// (col, id) serves at the same cost on the first page and the thousandth, and
// which visits every row exactly once even while rows are inserted between pages.
package page

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/certportal/certportal/internal/errs"
)

// Limits on a page's size.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Request is one page of a list.
type Request struct {
	Sort  string
	Desc  bool
	Limit int
	// After, when set, is the cursor of the row the page starts after (Next);
	// Before, of the row it ends before (Previous).
	After, Before *Cursor
}

// Cursor is where a page starts or ends: the sort key's value and the row's id.
type Cursor struct {
	Sort  string `json:"s"`
	Desc  bool   `json:"d,omitempty"`
	Value string `json:"v"`
	ID    int64  `json:"i"`
}

// Encode makes the cursor an opaque URL-safe token.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode reads a token made by Encode.
func Decode(s string) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 1024 {
		return nil, fmt.Errorf("page: bad cursor")
	}
	var c Cursor
	if err := json.Unmarshal(b, &c); err != nil || c.ID < 0 {
		return nil, fmt.Errorf("page: bad cursor")
	}
	return &c, nil
}

// Parse reads ?limit=&sort=&dir=&after=&before= against the list's sort keys
// (the first is the default). Errors name the parameter.
func Parse(get func(string) string, sorts []string) (Request, error) {
	return ParseNewestFirst(get, sorts, false)
}

// ParseNewestFirst is Parse for lists read newest first: without ?dir= the
// order is descending when descByDefault.
func ParseNewestFirst(get func(string) string, sorts []string, descByDefault bool) (Request, error) {
	r := Request{Sort: sorts[0], Limit: DefaultLimit, Desc: descByDefault}
	if v := strings.TrimSpace(get("limit")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			return r, errs.Field("limit", fmt.Sprintf("limit must be a whole number from 1 to %d.", MaxLimit))
		}
		r.Limit = n
	}
	if v := get("sort"); v != "" {
		if !slices.Contains(sorts, v) {
			return r, errs.Field("sort", "sort must be one of: "+strings.Join(sorts, ", ")+".")
		}
		r.Sort = v
	}
	switch get("dir") {
	case "":
	case "asc":
		r.Desc = false
	case "desc":
		r.Desc = true
	default:
		return r, errs.Field("dir", "dir must be asc or desc.")
	}
	for _, p := range []struct {
		name string
		dst  **Cursor
	}{{"after", &r.After}, {"before", &r.Before}} {
		v := get(p.name)
		if v == "" {
			continue
		}
		c, err := Decode(v)
		if err != nil || c.Sort != r.Sort || c.Desc != r.Desc {
			return r, errs.Field(p.name, p.name+" is not a cursor of this list and sort order; start again from the first page.")
		}
		*p.dst = c
	}
	if r.After != nil && r.Before != nil {
		return r, errs.Field("before", "Send after or before, not both.")
	}
	return r, nil
}

// Column is a sort key's SQL: the expression and the type its cursor value is
// cast to. An index on (Expr, id) must exist for each. Lower marks an Expr of
// the form lower(x): the cursor then holds x as read and the query folds it
// with the same lower(), so a cursor never depends on Go's case folding
// agreeing with the database's (they differ, e.g. on "İ").
type Column struct {
	Expr, Cast string
	Lower      bool
}

// SQL is the keyset part of a query for req: the condition (empty on the first
// page; args are appended from argN on), the ORDER BY and the LIMIT (one more
// than asked, to know whether a next page exists).
func (req Request) SQL(cols map[string]Column, idExpr string, args []any) (where, orderLimit string, outArgs []any) {
	col := cols[req.Sort]
	desc := req.Desc
	cur := req.After
	if req.Before != nil {
		cur, desc = req.Before, !desc // walk backwards, then reverse
	}
	dir, op := "ASC", ">"
	if desc {
		dir, op = "DESC", "<"
	}
	if cur != nil {
		args = append(args, cur.Value, cur.ID)
		value := fmt.Sprintf("$%d::%s", len(args)-1, col.Cast)
		if col.Lower {
			value = "lower(" + value + ")"
		}
		where = fmt.Sprintf("(%s, %s) %s (%s, $%d::bigint)", col.Expr, idExpr, op, value, len(args))
	}
	orderLimit = fmt.Sprintf(" ORDER BY %s %s, %s %s LIMIT %d", col.Expr, dir, idExpr, dir, req.Limit+1)
	return where, orderLimit, args
}

// Result is a page of items with the cursors around it.
type Result[T any] struct {
	Items []T `json:"items"`
	// Next is the cursor for the page after this one, empty on the last page;
	// Prev the one for the page before, empty on the first.
	Next string `json:"next,omitempty"`
	Prev string `json:"prev,omitempty"`
}

// Finish trims the extra row the query fetched, restores the order of a
// backwards page and fills the cursors; key gives an item's sort value and id.
// An empty page has an empty, not nil, list (JSON [] rather than null).
func Finish[T any](req Request, rows []T, key func(T) (string, int64)) Result[T] {
	more := len(rows) > req.Limit
	if more {
		rows = rows[:req.Limit]
	}
	if req.Before != nil {
		slices.Reverse(rows)
	}
	if rows == nil {
		rows = []T{}
	}
	res := Result[T]{Items: rows}
	if len(rows) == 0 {
		// Nothing (nothing before: the caller goes back to the first page).
		return res
	}
	cursor := func(item T) string {
		v, id := key(item)
		return Cursor{Sort: req.Sort, Desc: req.Desc, Value: v, ID: id}.Encode()
	}
	switch {
	case req.Before != nil:
		res.Next = cursor(rows[len(rows)-1])
		if more {
			res.Prev = cursor(rows[0])
		}
	default:
		if more {
			res.Next = cursor(rows[len(rows)-1])
		}
		if req.After != nil {
			res.Prev = cursor(rows[0])
		}
	}
	return res
}
