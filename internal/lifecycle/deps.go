package lifecycle

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/notify"
)

// Notifier is the part of notify.Notifier the reminders use: who hears of an
// event, and recording the messages in the sweep's transaction.
type Notifier interface {
	Recipients(ctx context.Context, q db.DBTX, ev *notify.Event) ([]notify.Recipient, error)
	SendTx(ctx context.Context, tx pgx.Tx, ev notify.Event, to []notify.Recipient) ([]int64, error)
}
