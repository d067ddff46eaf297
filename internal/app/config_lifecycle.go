package app

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/lifetimes"
	"github.com/certportal/certportal/internal/notify"
)

// LifecycleConfig is reminders and notifications.
type LifecycleConfig struct {
	// Notify is SMTP_URL, SMTP_FROM, SLACK_WEBHOOK_URL, SLACK_CLIENT_WEBHOOKS,
	// SLACK_EVENTS, WEBHOOK_URL, WEBHOOK_SECRET, WEBHOOK_EVENTS, PORTAL_BASE_URL.
	Notify notify.Config
	// ReminderInterval is PORTAL_REMINDER_INTERVAL (default 1h).
	ReminderInterval time.Duration
	// Thresholds: PORTAL_REMINDER_RENEW_BY_DAYS (default "14,7") and
	// PORTAL_REMINDER_EXPIRY_DAYS (default "7,1").
	Thresholds []lifetimes.Threshold
}

// String names what is configured without any URL or secret.
func (c LifecycleConfig) String() string {
	return fmt.Sprintf("email=%t slack=%t client_slack=%d webhook=%t every=%s",
		c.Notify.SMTP != nil, c.Notify.SlackWebhookURL != "", len(c.Notify.ClientSlackWebhooks), c.Notify.WebhookURL != "", c.ReminderInterval)
}

func webhookURL(name, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		// Never repeat the URL: its path is the secret.
		return "", fmt.Errorf("%s must be an http(s) URL", name)
	}
	return v, nil
}

func eventList(name, v string) ([]notify.EventType, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []notify.EventType
	for _, part := range strings.Split(v, ",") {
		t, err := notify.ParseEventType(part)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not an event (order_submitted, order_issued, …)", name, strings.TrimSpace(part))
		}
		out = append(out, t)
	}
	return out, nil
}

func dayList(name, v, def string) ([]int, error) {
	if strings.TrimSpace(v) == "" {
		v = def
	}
	var out []int
	for _, part := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 || n > 365 {
			return nil, fmt.Errorf("%s must be whole days from 1 to 365 separated by commas, such as %s", name, def)
		}
		// A day twice would be one threshold under two records.
		if slices.Contains(out, n) {
			return nil, fmt.Errorf("%s lists %d days twice", name, n)
		}
		out = append(out, n)
	}
	return out, nil
}

// readLifecycleConfig reads the reminder and notification settings.
func (c *Config) readLifecycleConfig(getenv func(string) string) error {
	var err error
	l := &c.Lifecycle
	if v := strings.TrimSpace(getenv("SMTP_URL")); v != "" {
		if l.Notify.SMTP, err = notify.ParseSMTPURL(v, getenv("SMTP_FROM")); err != nil {
			return err
		}
	}
	if l.Notify.SlackWebhookURL, err = webhookURL("SLACK_WEBHOOK_URL", getenv("SLACK_WEBHOOK_URL")); err != nil {
		return err
	}
	if v := strings.TrimSpace(getenv("SLACK_CLIENT_WEBHOOKS")); v != "" {
		l.Notify.ClientSlackWebhooks = map[int64]string{}
		for _, pair := range strings.Fields(v) {
			id, raw, ok := strings.Cut(pair, "=")
			n, err := strconv.ParseInt(id, 10, 64)
			if !ok || err != nil || n <= 0 {
				return fmt.Errorf("SLACK_CLIENT_WEBHOOKS is space-separated <client id>=<webhook URL> pairs")
			}
			if l.Notify.ClientSlackWebhooks[n], err = webhookURL("SLACK_CLIENT_WEBHOOKS (client "+id+")", raw); err != nil {
				return err
			}
		}
	}
	if l.Notify.WebhookURL, err = webhookURL("WEBHOOK_URL", getenv("WEBHOOK_URL")); err != nil {
		return err
	}
	l.Notify.WebhookSecret = getenv("WEBHOOK_SECRET")
	if l.Notify.WebhookURL != "" && len(l.Notify.WebhookSecret) < 16 {
		return fmt.Errorf("WEBHOOK_SECRET must be set, at least 16 characters, with WEBHOOK_URL")
	}
	if l.Notify.SlackEvents, err = eventList("SLACK_EVENTS", getenv("SLACK_EVENTS")); err != nil {
		return err
	}
	if l.Notify.WebhookEvents, err = eventList("WEBHOOK_EVENTS", getenv("WEBHOOK_EVENTS")); err != nil {
		return err
	}
	if v := strings.TrimSpace(getenv("PORTAL_BASE_URL")); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("PORTAL_BASE_URL must be the portal's http(s) address, such as https://certs.agency.example, not %q", v)
		}
		l.Notify.BaseURL = v
	}
	if l.ReminderInterval, err = parseDuration("PORTAL_REMINDER_INTERVAL", getenv("PORTAL_REMINDER_INTERVAL"), time.Hour); err != nil {
		return err
	}
	renewBy, err := dayList("PORTAL_REMINDER_RENEW_BY_DAYS", getenv("PORTAL_REMINDER_RENEW_BY_DAYS"), "14,7")
	if err != nil {
		return err
	}
	expiry, err := dayList("PORTAL_REMINDER_EXPIRY_DAYS", getenv("PORTAL_REMINDER_EXPIRY_DAYS"), "7,1")
	if err != nil {
		return err
	}
	l.Thresholds = nil
	for _, d := range renewBy {
		l.Thresholds = append(l.Thresholds, lifetimes.NewThreshold(lifetimes.AnchorRenewBy, d))
	}
	for _, d := range expiry {
		l.Thresholds = append(l.Thresholds, lifetimes.NewThreshold(lifetimes.AnchorExpiry, d))
	}
	return nil
}
