package services_test

import (
	"context"
	"testing"

	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/services"
)

// Ids are bigint; filters of the form "($1 = 0 OR x = $1)" let PostgreSQL
// type the parameter as integer, so an id past 2^31-1 failed the query.
func TestFiltersTakeIdsPastTwoToTheThirtyOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	const bigID = int64(1) << 40
	// A client whose id really is that large: the dashboard looks it up first.
	if _, err := pool.Exec(ctx, `INSERT INTO clients (id, display_name, legal_name, city, state, country)
		OVERRIDING SYSTEM VALUE VALUES ($1, 'Big Id Co', 'Big Id Co', 'Chicago', 'Illinois', 'US')`, bigID); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO projects (client_id, name) VALUES ($1, 'Website')`, bigID); err != nil {
		t.Fatal(err)
	}
	set := services.New(pool, services.Config{})
	ps, err := set.Projects.ListProjects(ctx, bigID)
	if err != nil || len(ps) != 1 {
		t.Errorf("ListProjects(%d) = %d projects, %v; want the one project", bigID, len(ps), err)
	}
	if list, err := set.Orders.List(ctx, orders.OrderFilter{RequirementID: bigID}); err != nil || len(list) != 0 {
		t.Errorf("List(requirement %d) = %d orders, %v; want none", bigID, len(list), err)
	}
	sum, err := set.Dashboard.Summary(ctx, dashboard.SummaryFilter{ClientID: bigID})
	if err != nil {
		t.Fatalf("Summary(client %d): %v", bigID, err)
	}
	if sum == nil {
		t.Fatal("Summary returned nothing")
	}
}
