package audit_test

import (
	"context"
	"testing"

	"github.com/certportal/certportal/internal/audit"
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
