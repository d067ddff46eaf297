// Package pagetest walks a keyset-paged list in tests, to check that its
// pages visit every row once each way.
package pagetest

import (
	"testing"

	"github.com/certportal/certportal/internal/page"
)

// Walk reads the pages of a list from req (the first page) by their Next
// cursors to the last, then by their Previous cursors back to the first, and
// returns the ids in the order each walk saw them (the walk back in the
// list's order). It stops after 100 pages each way; fetch failing fails t.
func Walk[T any](t testing.TB, req page.Request, fetch func(page.Request) (page.Result[T], error), id func(T) int64) (forward, backward []int64) {
	t.Helper()
	ids := func(res page.Result[T]) []int64 {
		var out []int64
		for _, item := range res.Items {
			out = append(out, id(item))
		}
		return out
	}
	get := func(req page.Request, after, before string) page.Result[T] {
		t.Helper()
		var err error
		if after != "" {
			req.After, err = page.Decode(after)
		}
		if before != "" {
			req.Before, err = page.Decode(before)
		}
		if err != nil {
			t.Fatalf("pagetest: a cursor the list gave does not decode: %v", err)
		}
		res, err := fetch(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := get(req, "", "")
	forward = ids(res)
	for n := 0; res.Next != "" && n < 100; n++ {
		res = get(req, res.Next, "")
		forward = append(forward, ids(res)...)
	}
	backward = ids(res)
	for n := 0; res.Prev != "" && n < 100; n++ {
		res = get(req, "", res.Prev)
		backward = append(ids(res), backward...)
	}
	return forward, backward
}
