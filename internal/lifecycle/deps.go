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
	SendManyTx(ctx context.Context, tx pgx.Tx, out []notify.Outgoing) ([]int64, error)
}
