package clients

import (
	"context"
	"time"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/page"
)

// StandingSorts are the sort keys of a client's good-standing records: by the
// day checked, newest (the one that counts) first by default;
// good_standing_client_idx (client_id, checked_on, id) serves it (00002).
var StandingSorts = []string{"checked"}

var standingSortColumns = map[string]page.Column{"checked": {Expr: "g.checked_on", Cast: "date"}}

// StandingPage returns one page of a client's good-standing records.
func (s *Service) StandingPage(ctx context.Context, clientID int64, req page.Request) (page.Result[Standing], error) {
	if _, err := getClient(ctx, s.pool, clientID); err != nil {
		return page.Result[Standing]{}, err
	}
	where, orderLimit, args := req.SQL(standingSortColumns, "g.id", []any{clientID})
	sql := `SELECT ` + standingColumns + standingFrom + `WHERE g.client_id = $1`
	if where != "" {
		sql += " AND " + where
	}
	list, err := db.List(ctx, s.pool, "clients: page good standing", scanStanding, sql+orderLimit, args...)
	if err != nil {
		return page.Result[Standing]{}, err
	}
	return page.Finish(req, list, func(g Standing) (string, int64) { return g.CheckedOn.Format(time.DateOnly), g.ID }), nil
}
