package notify

import (
	"context"
	"fmt"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/page"
)

// DeliverySorts are the sort keys of the delivery list: by id, newest first
// by default; the primary key serves it, and notification_deliveries_trouble_idx
// the failing ones (00018).
var DeliverySorts = []string{"id"}

// troubleCond is a delivery that failed for good or failed at least once and
// waits for its next attempt.
const troubleCond = `(status = 'failed' OR (status = 'pending' AND attempts > 0))`

// DeliveryPage returns one page of the deliveries, only the failing ones
// (those Troubles lists) when failing.
func (n *Notifier) DeliveryPage(ctx context.Context, req page.Request, failing bool) (page.Result[Delivery], error) {
	where := "true"
	if failing {
		where = troubleCond // as written, so the partial index serves it
	}
	return db.PageByID(ctx, n.pool, "notify: page deliveries", req, "id", scanDelivery, func(d Delivery) int64 { return d.ID },
		`SELECT `+deliveryColumns+` FROM notification_deliveries WHERE `+where)
}

// CountTroubles counts the failing deliveries, up to max: more says there
// are more than max, so the count costs the same however many there are.
func (n *Notifier) CountTroubles(ctx context.Context, max int) (count int, more bool, err error) {
	if err := n.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM notification_deliveries WHERE `+troubleCond+` LIMIT $1) f`,
		max+1).Scan(&count); err != nil {
		return 0, false, fmt.Errorf("notify: count failing deliveries: %w", err)
	}
	if count > max {
		return max, true, nil
	}
	return count, false, nil
}
