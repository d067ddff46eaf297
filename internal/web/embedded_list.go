// The lists a detail page embeds under its record (a certificate's installs,
// a client's contacts, a user's tokens): each shows one page, newest first,
// read from the same query parameters as its API twin (?limit=&dir=&after=&before=).
// Where a page embeds two lists, each reads its parameters under its own
// prefix (?contacts_after=, ?standing_after=; the requirement page's domain
// checks ?checks_after= beside its installs' bare ?after=), so paging one
// keeps the other where it was.

package web

import (
	"context"
	"net/http"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
)

// embeddedList is one list a detail page embeds: its query-parameter prefix
// ("" when it is the page's only paged list), the page's section it links
// back to (its element id) and its sort keys.
type embeddedList struct {
	prefix, anchor string
	sorts          []string
}

// embeddedPage is one page of an embedded list and the links around it.
type embeddedPage[T any] struct {
	page.Result[T]
	PrevHref, NextHref string
}

// read is the page of the list r asks for; a bad parameter is a field error
// under the name it was sent as.
func (l embeddedList) read(r *http.Request) (page.Request, error) {
	q := r.URL.Query()
	req, err := page.ParseNewestFirst(func(k string) string { return q.Get(l.prefix + k) }, l.sorts, true)
	if e, ok := errs.As(err); ok && l.prefix != "" {
		fields := make(map[string]string, len(e.Fields))
		for k, msg := range e.Fields {
			fields[l.prefix+k] = msg
		}
		return req, errs.Fields(e.Message, fields)
	}
	return req, err
}

// fetchEmbedded reads the page of l that r asks for and fetches the {id}'s
// items with get; lr is the request whose address the links start from (see
// listRequest).
func fetchEmbedded[T any](lr *http.Request, l embeddedList, id int64,
	get func(ctx context.Context, id int64, req page.Request) (page.Result[T], error)) (embeddedPage[T], error) {
	req, err := l.read(lr)
	if err != nil {
		return embeddedPage[T]{}, err
	}
	res, err := get(lr.Context(), id, req)
	if err != nil {
		return embeddedPage[T]{}, err
	}
	out := embeddedPage[T]{Result: res}
	out.PrevHref, out.NextHref = pageLinksAt(lr, l.prefix, l.anchor, res.Next, res.Prev)
	return out, nil
}

// pageLinksAt are the addresses of the pages around a result whose cursors
// travel as ?{prefix}after= and ?{prefix}before=, keeping every other
// parameter (the filters, the sort, another list's position); anchor, when
// set, is the section of the page the links lead to.
func pageLinksAt(r *http.Request, prefix, anchor, next, prev string) (prevHref, nextHref string) {
	after, before := prefix+"after", prefix+"before"
	link := func(param, cursor string) string {
		q := r.URL.Query()
		q.Del(after)
		q.Del(before)
		if param != "" {
			q.Set(param, cursor)
		}
		href := r.URL.Path + "?" + q.Encode()
		if anchor != "" {
			href += "#" + anchor
		}
		return href
	}
	switch {
	case prev != "":
		prevHref = link(before, prev)
	case next == "" && (r.URL.Query().Get(after) != "" || r.URL.Query().Get(before) != ""):
		// A cursor led to an empty page (its rows are gone): back to the
		// start, which needs no cursor. (A page reached by Previous with
		// nothing before it is the first page, and has a Next.)
		prevHref = link("", "")
	}
	if next != "" {
		nextHref = link(after, next)
	}
	return prevHref, nextHref
}
