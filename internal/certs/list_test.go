package certs_test

import (
	"context"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/seed"
)

// seeded is setup with the certificates seed.Load writes for opts stored.
func seeded(t *testing.T, opts seed.Options) *testBundle {
	t.Helper()
	b := setup(t)
	if _, err := seed.Load(context.Background(), b.pool, opts); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPagingVisitsEveryCertificateOnceWhileRowsAreInserted(t *testing.T) {
	t.Parallel()
	b := seeded(t, seed.Options{Clients: 3, Certificates: 120})
	ctx := context.Background()
	for _, sort := range certs.CertificateSorts {
		for _, desc := range []bool{false, true} {
			var before []int64
			rows, err := b.pool.Query(ctx, `SELECT id FROM certificates`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id int64
				_ = rows.Scan(&id)
				before = append(before, id)
			}
			rows.Close()
			seen := map[int64]int{}
			var forward []int64
			req := page.Request{Sort: sort, Desc: desc, Limit: 17}
			for pages := 0; ; pages++ {
				if pages > 100 {
					t.Fatalf("%s desc=%v: no end after 100 pages", sort, desc)
				}
				res, err := b.svc.CertificatePage(ctx, certs.Filter{}, req)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Items) > req.Limit {
					t.Fatalf("page of %d items, limit %d", len(res.Items), req.Limit)
				}
				for _, c := range res.Items {
					seen[c.ID]++
					forward = append(forward, c.ID)
					if c.LeafPEM != "" || c.IntermediatesPEM != "" {
						t.Fatalf("list item %d carries PEM", c.ID)
					}
				}
				if res.Next == "" {
					break
				}
				// Somebody adds certificates between two pages.
				if pages%3 == 0 {
					if _, err := seed.Load(ctx, b.pool, seed.Options{Clients: 1, Certificates: 5, Seed: uint64(pages + 2)}); err != nil {
						t.Fatal(err)
					}
				}
				c, _ := page.Decode(res.Next)
				req.After, req.Before = c, nil
			}
			for _, id := range before {
				if seen[id] != 1 {
					t.Errorf("%s desc=%v: certificate %d seen %d times, want once", sort, desc, id, seen[id])
				}
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("%s desc=%v: certificate %d seen %d times", sort, desc, id, n)
				}
			}
			_ = forward
		}
	}
}

func TestPreviousPageReturnsTheRowsBeforeInTheSameOrder(t *testing.T) {
	t.Parallel()
	b := seeded(t, seed.Options{Clients: 2, Certificates: 40})
	ctx := context.Background()
	req := page.Request{Sort: "expires", Limit: 10}
	first, err := b.svc.CertificatePage(ctx, certs.Filter{}, req)
	if err != nil {
		t.Fatal(err)
	}
	req.After, _ = page.Decode(first.Next)
	second, err := b.svc.CertificatePage(ctx, certs.Filter{}, req)
	if err != nil {
		t.Fatal(err)
	}
	if second.Prev == "" {
		t.Fatal("the second page has no previous cursor")
	}
	back, _ := page.Decode(second.Prev)
	again, err := b.svc.CertificatePage(ctx, certs.Filter{}, page.Request{Sort: "expires", Limit: 10, Before: back})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Items) != len(first.Items) {
		t.Fatalf("previous page has %d items, want %d", len(again.Items), len(first.Items))
	}
	for i := range first.Items {
		if again.Items[i].ID != first.Items[i].ID {
			t.Errorf("previous page item %d = %d, want %d", i, again.Items[i].ID, first.Items[i].ID)
		}
	}
}

func TestExpiringFilterKeepsOnlyCertificatesExpiringInTheWindow(t *testing.T) {
	t.Parallel()
	b := seeded(t, seed.Options{Clients: 3, Certificates: 90})
	ctx := context.Background()
	days := 30
	var want int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM certificates WHERE not_after <= now() + interval '30 days'`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	got := 0
	err := b.svc.EachCertificate(ctx, certs.Filter{ExpiringWithinDays: &days}, func(c *certs.Certificate) error {
		if c.NotAfter.After(time.Now().Add(31 * 24 * time.Hour)) {
			t.Errorf("certificate %d expires %s, outside the window", c.ID, c.NotAfter)
		}
		got++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != want || want == 0 {
		t.Errorf("export kept %d certificates, SQL counts %d (want equal and non-zero)", got, want)
	}
}

// Ids are bigint; a filter "($1 = 0 OR x = $1)" let PostgreSQL type the
// parameter as integer, so a large id failed the query.
func TestCertificatesFilterTakesIdsPastTwoToTheThirtyOne(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, f := range []certs.Filter{{ClientID: 1 << 31}, {RequirementID: 1 << 40}, {CSRID: 1<<63 - 1}} {
		if list, err := b.svc.Certificates(context.Background(), f); err != nil || len(list) != 0 {
			t.Errorf("Certificates(%+v) = %d, %v; want none and no error", f, len(list), err)
		}
	}
}
