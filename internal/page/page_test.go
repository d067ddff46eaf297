package page

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/certportal/certportal/internal/errs"
)

func TestParseNamesTheBadParameter(t *testing.T) {
	t.Parallel()
	sorts := []string{"expires", "name"}
	other := Cursor{Sort: "name", Value: "a", ID: 3}.Encode()
	for _, c := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=501", "limit"}, {"limit=x", "limit"},
		{"sort=pem", "sort"}, {"dir=up", "dir"},
		{"after=!!!", "after"}, {"after=" + other, "after"}, // a cursor of another sort
		{"before=bm9wZQ", "before"},
	} {
		q, _ := url.ParseQuery(c.query)
		_, err := Parse(q.Get, sorts)
		e, ok := errs.As(err)
		if !ok || e.Fields[c.field] == "" {
			t.Errorf("Parse(%q) = %v, want an error at %q", c.query, err, c.field)
		}
	}
	q, _ := url.ParseQuery("limit=500&sort=name&dir=desc")
	r, err := Parse(q.Get, sorts)
	if err != nil || r.Limit != 500 || r.Sort != "name" || !r.Desc {
		t.Errorf("Parse(limit=500&sort=name&dir=desc) = %+v, %v", r, err)
	}
	r, _ = Parse(url.Values{}.Get, sorts)
	if r.Limit != DefaultLimit || r.Sort != "expires" {
		t.Errorf("defaults = %+v, want limit %d sorted by expires", r, DefaultLimit)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Cursor{Sort: "expires", Value: "2026-01-01T00:00:00Z", ID: 9}.Encode())
	f.Add("e30")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Decode(s)
		if err != nil {
			return
		}
		again, err := Decode(c.Encode())
		if err != nil || *again != *c {
			t.Fatalf("round trip of %+v: %+v, %v", c, again, err)
		}
	})
}

func TestAnEmptyPageIsAnEmptyListInJSON(t *testing.T) {
	t.Parallel()
	for _, req := range []Request{{Limit: 10}, {Limit: 10, Before: &Cursor{ID: 1}}} {
		res := Finish[int](req, nil, func(int) (string, int64) { return "", 0 })
		if b, err := json.Marshal(res); err != nil || string(b) != `{"items":[]}` {
			t.Errorf("an empty page (before=%v) is %s (%v), want {\"items\":[]}", req.Before != nil, b, err)
		}
	}
}
