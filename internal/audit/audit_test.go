package audit_test

import (
	"context"
	"testing"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/pgtest"
)

// BeforeID is compared with a bigint id; PostgreSQL used to type the
// parameter as integer (from "$1 = 0"), so a large cursor failed the query.
func TestListTakesACursorPastTwoToTheThirtyOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	if err := audit.Record(ctx, pool, audit.System, "test.entry", "subject", nil); err != nil {
		t.Fatal(err)
	}
	for _, before := range []int64{1 << 31, 1 << 40, 1<<63 - 1} {
		entries, err := audit.List(ctx, pool, audit.Filter{BeforeID: before})
		if err != nil || len(entries) != 1 {
			t.Errorf("List(before %d) = %d entries, %v; want the one entry", before, len(entries), err)
		}
	}
}

func TestPagingVisitsEveryRecordOnceWhileRecordsAreWritten(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	record := func(action string) {
		t.Helper()
		if err := audit.Record(ctx, pool, audit.System, action, "subject", nil); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 23 {
		record([]string{"test.a", "test.b"}[i%2])
	}
	for _, tc := range []struct{ action string }{{""}, {"test.a"}} {
		var want int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE $1 = '' OR action = $1`, tc.action).Scan(&want); err != nil {
			t.Fatal(err)
		}
		req, err := page.ParseNewestFirst(func(k string) string { return map[string]string{"limit": "5"}[k] }, []string{"id"}, true)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]bool{}
		var last int64
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatalf("%q: more pages than records", tc.action)
			}
			res, err := audit.Page(ctx, pool, req, tc.action)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Items) > 5 {
				t.Fatalf("%q: a page of %d, limit 5", tc.action, len(res.Items))
			}
			for _, e := range res.Items {
				if seen[e.ID] {
					t.Errorf("%q: record %d seen twice", tc.action, e.ID)
				}
				if last != 0 && e.ID >= last {
					t.Errorf("%q: record %d after %d: not newest first", tc.action, e.ID, last)
				}
				if tc.action != "" && e.Action != tc.action {
					t.Errorf("%q: record %d has action %q", tc.action, e.ID, e.Action)
				}
				seen[e.ID], last = true, e.ID
			}
			record(tc.action + "new") // newer than the first page: never on a later one
			record("test.a")
			if res.Next == "" {
				break
			}
			if req.After, err = page.Decode(res.Next); err != nil {
				t.Fatal(err)
			}
		}
		if len(seen) != want || want < 12 {
			t.Errorf("%q: saw %d records, want the %d there were at the start", tc.action, len(seen), want)
		}
	}
}
