package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
)

// Config is where messages go. Webhook URLs are typed by an admin into the
// configuration; they are used as configured and never logged or shown.
type Config struct {
	// SMTP sends email to people; nil: email deliveries fail visibly.
	SMTP *SMTPConfig
	// SlackWebhookURL is the portal-wide Slack channel (SLACK_WEBHOOK_URL).
	SlackWebhookURL string
	// ClientSlackWebhooks are clients' own Slack channels, by client id
	// (SLACK_CLIENT_WEBHOOKS); a client's events go there too.
	ClientSlackWebhooks map[int64]string
	// WebhookURL and WebhookSecret are the generic webhook (WEBHOOK_URL, WEBHOOK_SECRET).
	WebhookURL    string
	WebhookSecret string
	// SlackEvents and WebhookEvents narrow the portal-wide channels
	// (SLACK_EVENTS, WEBHOOK_EVENTS); nil: every event.
	SlackEvents   []EventType
	WebhookEvents []EventType
	// BaseURL makes links absolute (PORTAL_BASE_URL), such as https://certs.agency.example.
	BaseURL string
	// HTTPClient posts webhooks (nil: a client with a 15 s time-out).
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
}

// Enqueuer schedules the delivery jobs in the transaction that writes them.
type Enqueuer interface {
	EnqueueDeliveriesTx(ctx context.Context, tx pgx.Tx, ids []int64) error
}

// Notifier records and sends messages.
type Notifier struct {
	pool     *pgxpool.Pool
	cfg      Config
	enqueuer Enqueuer
}

// New builds a notifier over pool.
func New(pool *pgxpool.Pool, cfg Config) *Notifier {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Notifier{pool: pool, cfg: cfg}
}

// SetEnqueuer connects the background jobs; without one, deliveries wait as
// pending until DeliverPending or a retry sends them.
func (n *Notifier) SetEnqueuer(e Enqueuer) { n.enqueuer = e }

func wants(list []EventType, t EventType) bool { return list == nil || slices.Contains(list, t) }

// fillPlace completes the event's project and client from its order,
// certificate or requirement.
func fillPlace(ctx context.Context, q db.DBTX, ev *Event) error {
	// Each step reads the place above one the event knows, in order, so a
	// step can start from what an earlier one found.
	steps := []struct {
		want, from *int64
		query      string
	}{
		{&ev.RequirementID, &ev.OrderID, `SELECT requirement_id FROM orders WHERE id = $1`},
		{&ev.RequirementID, &ev.CertificateID, `SELECT requirement_id FROM certificates WHERE id = $1`},
		{&ev.ProjectID, &ev.RequirementID, `SELECT project_id FROM requirements WHERE id = $1`},
		{&ev.ClientID, &ev.ProjectID, `SELECT client_id FROM projects WHERE id = $1`},
	}
	for _, st := range steps {
		if *st.want != 0 || *st.from == 0 {
			continue
		}
		if err := q.QueryRow(ctx, st.query, *st.from).Scan(st.want); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
	}
	return nil
}

// Recipients says who hears of ev: the project's PO and AM unless they turned
// the event off, every user who turned it on, the admins for an escalation,
// and the portal-wide channels (and the client's Slack) unless configured
// otherwise. It fills the event's place (project, client) as a side effect.
func (n *Notifier) Recipients(ctx context.Context, q db.DBTX, ev *Event) ([]Recipient, error) {
	if err := fillPlace(ctx, q, ev); err != nil {
		return nil, fmt.Errorf("notify: place event %s: %w", ev.Type, err)
	}
	rows, err := q.Query(ctx, `
		SELECT u.id, u.email FROM users u
		LEFT JOIN notification_preferences np ON np.user_id = u.id AND np.event = $1 AND np.channel = 'email'
		WHERE u.disabled_at IS NULL AND (
			(u.id IN (SELECT po_id FROM projects WHERE id = $2 UNION SELECT am_id FROM projects WHERE id = $2)
			 AND COALESCE(np.enabled, true))
			OR np.enabled
			OR ($3 AND 'admin' = ANY (u.roles)))
		ORDER BY u.id`, string(ev.Type), ev.ProjectID, ev.AlsoAdmins)
	if err != nil {
		return nil, fmt.Errorf("notify: recipients of %s: %w", ev.Type, err)
	}
	var out []Recipient
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.UserID, &r.Address); err != nil {
			rows.Close()
			return nil, fmt.Errorf("notify: recipients of %s: %w", ev.Type, err)
		}
		r.Channel = ChannelEmail
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notify: recipients of %s: %w", ev.Type, err)
	}
	if ev.OnlyPeople {
		return out, nil
	}
	if n.cfg.SlackWebhookURL != "" && wants(n.cfg.SlackEvents, ev.Type) {
		out = append(out, Recipient{Channel: ChannelSlack, Address: "portal"})
	}
	if _, ok := n.cfg.ClientSlackWebhooks[ev.ClientID]; ok && ev.ClientID != 0 && wants(n.cfg.SlackEvents, ev.Type) {
		out = append(out, Recipient{Channel: ChannelSlack, Address: "client " + strconv.FormatInt(ev.ClientID, 10)})
	}
	if n.cfg.WebhookURL != "" && wants(n.cfg.WebhookEvents, ev.Type) {
		out = append(out, Recipient{Channel: ChannelWebhook, Address: "portal"})
	}
	return out, nil
}

// Notify tells everyone who should hear of ev (see Recipients). The orders'
// transition hook calls it; it writes the deliveries and their jobs in one
// transaction and returns before anything is sent.
func (n *Notifier) Notify(ctx context.Context, ev Event) error {
	if ev.At.IsZero() {
		ev.At = n.cfg.Now().UTC()
	}
	return pgx.BeginFunc(ctx, n.pool, func(tx pgx.Tx) error {
		to, err := n.Recipients(ctx, tx, &ev)
		if err != nil {
			return err
		}
		_, err = n.SendTx(ctx, tx, ev, to)
		return err
	})
}

// NotifyTx is Notify inside the caller's transaction: the deliveries exist
// exactly when the change they announce is committed.
func (n *Notifier) NotifyTx(ctx context.Context, tx pgx.Tx, ev Event) error {
	if ev.At.IsZero() {
		ev.At = n.cfg.Now().UTC()
	}
	to, err := n.Recipients(ctx, tx, &ev)
	if err != nil {
		return err
	}
	_, err = n.SendTx(ctx, tx, ev, to)
	return err
}

// SendTx records one delivery per recipient in tx and schedules their jobs;
// it returns the delivery ids.
func (n *Notifier) SendTx(ctx context.Context, tx pgx.Tx, ev Event, to []Recipient) ([]int64, error) {
	out := make([]Outgoing, len(to))
	for i, r := range to {
		out[i] = Outgoing{Event: &ev, To: r}
	}
	return n.SendManyTx(ctx, tx, out)
}

// Outgoing is one message to one recipient. Many messages may share one event.
type Outgoing struct {
	Event *Event
	To    Recipient
}

// SendManyTx records the deliveries of many messages in tx with one insert
// and schedules their jobs with one bulk insert; it returns the delivery ids
// (in no particular order). The sweeps send thousands at once through it.
func (n *Notifier) SendManyTx(ctx context.Context, tx pgx.Tx, out []Outgoing) ([]int64, error) {
	if len(out) == 0 {
		return nil, nil
	}
	now := n.cfg.Now().UTC()
	events, channels, recipients, subjects, payloads := make([]string, len(out)), make([]string, len(out)),
		make([]string, len(out)), make([]string, len(out)), make([]string, len(out))
	users := make([]*int64, len(out))
	encoded := map[*Event]string{}
	for i, o := range out {
		if o.Event.At.IsZero() {
			o.Event.At = now
		}
		payload, ok := encoded[o.Event]
		if !ok {
			b, err := json.Marshal(o.Event)
			if err != nil {
				return nil, fmt.Errorf("notify: encode %s: %w", o.Event.Type, err)
			}
			payload = string(b)
			encoded[o.Event] = payload
		}
		events[i], channels[i], recipients[i], subjects[i], payloads[i] = string(o.Event.Type), o.To.Channel, o.To.Address, o.Event.Subject, payload
		if o.To.UserID != 0 {
			users[i] = &o.To.UserID
		}
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO notification_deliveries (event, channel, recipient, user_id, subject, payload, created_at)
		SELECT e, c, r, u, s, p::jsonb, $7
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[]) AS x(e, c, r, u, s, p)
		RETURNING id`, events, channels, recipients, users, subjects, payloads, now)
	if err != nil {
		return nil, fmt.Errorf("notify: record %d messages: %w", len(out), err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("notify: record %d messages: %w", len(out), err)
	}
	if n.enqueuer != nil {
		if err := n.enqueuer.EnqueueDeliveriesTx(ctx, tx, ids); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// Delivery is one message to one recipient and what became of it.
type Delivery struct {
	ID          int64      `json:"id"`
	Event       EventType  `json:"event"`
	Channel     string     `json:"channel"`
	Recipient   string     `json:"recipient"`
	Subject     string     `json:"subject"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	AttemptedAt *time.Time `json:"attempted_at,omitempty"`
	SentAt      *time.Time `json:"sent_at,omitempty"`
	payload     []byte
}

// Delivery statuses.
const (
	StatusPending = "pending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
)

const deliveryColumns = `id, event, channel, recipient, subject, status, attempts, last_error, created_at, attempted_at, sent_at, payload`

func scanDelivery(row pgx.Row) (*Delivery, error) {
	var d Delivery
	err := row.Scan(&d.ID, &d.Event, &d.Channel, &d.Recipient, &d.Subject, &d.Status, &d.Attempts, &d.LastError,
		&d.CreatedAt, &d.AttemptedAt, &d.SentAt, &d.payload)
	return &d, err
}

func (n *Notifier) list(ctx context.Context, where string, limit int) ([]Delivery, error) {
	rows, err := n.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM notification_deliveries `+where+` ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("notify: list deliveries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Delivery, error) {
		d, err := scanDelivery(row)
		return *d, err
	})
	if err != nil {
		return nil, fmt.Errorf("notify: list deliveries: %w", err)
	}
	return out, nil
}

// Deliveries lists the latest messages, sent or not: who, what, when, channel, result.
func (n *Notifier) Deliveries(ctx context.Context, limit int) ([]Delivery, error) {
	return n.list(ctx, "", limit)
}

// Troubles lists deliveries that failed for good or failed at least once and
// are waiting for their next attempt.
func (n *Notifier) Troubles(ctx context.Context, limit int) ([]Delivery, error) {
	return n.list(ctx, `WHERE `+troubleCond, limit)
}

// Deliver sends one pending delivery. A failure is recorded on the row and
// returned, so the job retries; final marks the row failed for good (the job
// gave up), which puts it on the admins' page with a retry button.
func (n *Notifier) Deliver(ctx context.Context, id int64, final bool) error {
	d, err := scanDelivery(n.pool.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM notification_deliveries WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // deleted with its user: nothing to send
	}
	if err != nil {
		return fmt.Errorf("notify: read delivery %d: %w", id, err)
	}
	if d.Status == StatusSent {
		return nil
	}
	sendErr := n.send(ctx, d)
	now := n.cfg.Now().UTC()
	if sendErr == nil {
		_, err = n.pool.Exec(ctx, `UPDATE notification_deliveries SET status = 'sent', attempts = attempts + 1,
			attempted_at = $2, sent_at = $2, last_error = '' WHERE id = $1`, id, now)
		if err != nil {
			return fmt.Errorf("notify: record delivery %d sent: %w", id, err)
		}
		return nil
	}
	// A channel that is not configured cannot succeed on a retry in this
	// process: the delivery fails for good at once (an admin retries it from
	// the notifications page once the channel is set up), without a retry
	// storm of warnings in a portal run without SMTP.
	var nc notConfigured
	unconfigured := errors.As(sendErr, &nc)
	status := StatusPending
	if final || unconfigured {
		status = StatusFailed
	}
	msg := sendErr.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	if _, err := n.pool.Exec(ctx, `UPDATE notification_deliveries SET status = $2, attempts = attempts + 1,
		attempted_at = $3, last_error = $4 WHERE id = $1`, id, status, now, msg); err != nil {
		return fmt.Errorf("notify: record delivery %d failed: %w", id, err)
	}
	if unconfigured {
		n.cfg.Logger.Info("notification not sent: its channel is not configured", "delivery_id", id, "channel", d.Channel, "error", msg)
		return nil
	}
	n.cfg.Logger.Warn("notification delivery failed", "delivery_id", id, "channel", d.Channel, "final", final, "error", msg)
	return sendErr
}

// notConfigured is a send that failed because its channel is not set up.
type notConfigured string

func (e notConfigured) Error() string { return string(e) }

func (n *Notifier) send(ctx context.Context, d *Delivery) error {
	var ev Event
	if err := json.Unmarshal(d.payload, &ev); err != nil {
		return fmt.Errorf("notify: delivery %d payload: %w", d.ID, err)
	}
	m := Message{To: d.Recipient, Subject: ev.Subject, Text: ev.Text, Event: ev}
	if ev.Link != "" {
		m.Link = n.cfg.BaseURL + ev.Link
	}
	switch d.Channel {
	case ChannelEmail:
		if n.cfg.SMTP == nil {
			return notConfigured("notify: email is not configured (SMTP_URL)")
		}
		return sendEmail(ctx, n.cfg.SMTP, m)
	case ChannelSlack:
		target := n.cfg.SlackWebhookURL
		if id, ok := strings.CutPrefix(d.Recipient, "client "); ok {
			cid, _ := strconv.ParseInt(id, 10, 64)
			target = n.cfg.ClientSlackWebhooks[cid]
		}
		if target == "" {
			return notConfigured("notify: this Slack webhook is no longer configured")
		}
		return sendSlack(ctx, n.cfg.HTTPClient, target, m)
	case ChannelWebhook:
		if n.cfg.WebhookURL == "" {
			return notConfigured("notify: the webhook is no longer configured (WEBHOOK_URL)")
		}
		return sendWebhook(ctx, n.cfg.HTTPClient, n.cfg.WebhookURL, n.cfg.WebhookSecret, d.ID, m)
	}
	return fmt.Errorf("notify: unknown channel %q", d.Channel)
}

// Retry puts a failed delivery back in line and schedules its job.
func (n *Notifier) Retry(ctx context.Context, id int64) error {
	return pgx.BeginFunc(ctx, n.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE notification_deliveries SET status = 'pending' WHERE id = $1 AND status <> 'sent'`, id)
		if err != nil {
			return fmt.Errorf("notify: retry delivery %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return errs.New(errs.NotFound, "Delivery %d does not exist or was already sent.", id)
		}
		if n.enqueuer != nil {
			return n.enqueuer.EnqueueDeliveriesTx(ctx, tx, []int64{id})
		}
		return nil
	})
}

// DeliverPending sends every pending delivery once, oldest first (for a
// process without background jobs, and tests); it returns how many were sent.
func (n *Notifier) DeliverPending(ctx context.Context) (int, error) {
	rows, err := n.pool.Query(ctx, `SELECT id FROM notification_deliveries WHERE status = 'pending' ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("notify: pending deliveries: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("notify: pending deliveries: %w", err)
	}
	sent := 0
	for _, id := range ids {
		if n.Deliver(ctx, id, false) == nil {
			sent++
		}
	}
	return sent, nil
}
