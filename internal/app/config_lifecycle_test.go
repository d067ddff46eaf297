package app

import (
	"strings"
	"testing"
	"time"
)

// lifecycleSecrets are the parts of the settings below that must never be
// repeated in an error.
var lifecycleSecrets = []string{"hunter2pw", "T000/B000/XXXX", "whsec-path"}

func TestLifecycleConfigReadsEverySetting(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"SMTP_URL": "smtp://mailer:hunter2pw@mail.agency.example:2525", "SMTP_FROM": "certportal@agency.example",
		"SLACK_WEBHOOK_URL":     "https://hooks.slack.com/services/T000/B000/XXXX",
		"SLACK_CLIENT_WEBHOOKS": "7=https://hooks.slack.com/services/C7 12=https://hooks.slack.com/services/C12",
		"SLACK_EVENTS":          "order_issued, renewal_due", "WEBHOOK_URL": "https://hooks.agency.example/whsec-path",
		"WEBHOOK_SECRET": "0123456789abcdef", "PORTAL_BASE_URL": "https://certs.agency.example",
		"PORTAL_REMINDER_INTERVAL": "30m", "PORTAL_REMINDER_RENEW_BY_DAYS": "21,7", "PORTAL_REMINDER_EXPIRY_DAYS": "3",
	}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	l := c.Lifecycle
	if s := l.Notify.SMTP; s == nil || s.Host != "mail.agency.example" || s.Port != 2525 || s.Username != "mailer" ||
		s.Password != "hunter2pw" || s.From != "certportal@agency.example" {
		t.Errorf("SMTP %+v, want mail.agency.example:2525 as mailer", l.Notify.SMTP)
	}
	if len(l.Notify.ClientSlackWebhooks) != 2 || l.Notify.ClientSlackWebhooks[12] != "https://hooks.slack.com/services/C12" {
		t.Errorf("client Slack webhooks %v, want clients 7 and 12", l.Notify.ClientSlackWebhooks)
	}
	if len(l.Notify.SlackEvents) != 2 || l.Notify.SlackEvents[1] != "renewal_due" || l.Notify.WebhookEvents != nil {
		t.Errorf("events: Slack %v, webhook %v; want order_issued and renewal_due, and every event", l.Notify.SlackEvents, l.Notify.WebhookEvents)
	}
	var keys []string
	for _, th := range l.Thresholds {
		keys = append(keys, th.Key)
	}
	if got := strings.Join(keys, " "); got != "renew_by-21d renew_by-7d expiry-3d" || l.ReminderInterval != 30*time.Minute {
		t.Errorf("thresholds %q every %s, want renew_by-21d renew_by-7d expiry-3d every 30m", got, l.ReminderInterval)
	}
	if shown := l.String(); strings.Contains(shown, "hunter2pw") || strings.Contains(shown, "XXXX") {
		t.Errorf("String() shows a secret: %s", shown)
	}
}

func TestLifecycleConfigRefusesBadValuesNamingTheVariable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // the variable the error must name
	}{
		{"SMTP URL of another scheme", map[string]string{"SMTP_URL": "https://mailer:hunter2pw@mail.example", "SMTP_FROM": "a@b.example"}, "SMTP_URL"},
		{"SMTP URL without a host", map[string]string{"SMTP_URL": "smtp://mailer:hunter2pw@", "SMTP_FROM": "a@b.example"}, "SMTP_URL"},
		{"SMTP port out of range", map[string]string{"SMTP_URL": "smtp://mailer:hunter2pw@mail.example:70000", "SMTP_FROM": "a@b.example"}, "SMTP_URL"},
		{"SMTP port zero", map[string]string{"SMTP_URL": "smtp://mailer:hunter2pw@mail.example:0", "SMTP_FROM": "a@b.example"}, "SMTP_URL"},
		{"SMTP without a sender", map[string]string{"SMTP_URL": "smtp://mailer:hunter2pw@mail.example"}, "SMTP_FROM"},
		{"Slack webhook not a URL", map[string]string{"SLACK_WEBHOOK_URL": "hooks.slack.com/services/T000/B000/XXXX"}, "SLACK_WEBHOOK_URL"},
		{"Slack webhook over ftp", map[string]string{"SLACK_WEBHOOK_URL": "ftp://hooks.slack.com/services/T000/B000/XXXX"}, "SLACK_WEBHOOK_URL"},
		{"client webhook without an id", map[string]string{"SLACK_CLIENT_WEBHOOKS": "https://hooks.slack.com/services/T000/B000/XXXX"}, "SLACK_CLIENT_WEBHOOKS"},
		{"client webhook with a negative id", map[string]string{"SLACK_CLIENT_WEBHOOKS": "-3=https://hooks.slack.com/services/T000/B000/XXXX"}, "SLACK_CLIENT_WEBHOOKS"},
		{"client webhook not a URL", map[string]string{"SLACK_CLIENT_WEBHOOKS": "7=T000/B000/XXXX"}, "SLACK_CLIENT_WEBHOOKS (client 7)"},
		{"unknown Slack event", map[string]string{"SLACK_EVENTS": "order_issued,order_lost"}, "SLACK_EVENTS"},
		{"empty webhook event", map[string]string{"WEBHOOK_EVENTS": "order_issued,,renewal_due"}, "WEBHOOK_EVENTS"},
		{"webhook not a URL", map[string]string{"WEBHOOK_URL": "//hooks.agency.example/whsec-path", "WEBHOOK_SECRET": "0123456789abcdef"}, "WEBHOOK_URL"},
		{"webhook without a secret", map[string]string{"WEBHOOK_URL": "https://hooks.agency.example/whsec-path"}, "WEBHOOK_SECRET"},
		{"webhook with a short secret", map[string]string{"WEBHOOK_URL": "https://hooks.agency.example/whsec-path", "WEBHOOK_SECRET": "short"}, "WEBHOOK_SECRET"},
		{"base URL without a scheme", map[string]string{"PORTAL_BASE_URL": "certs.agency.example"}, "PORTAL_BASE_URL"},
		{"interval in words", map[string]string{"PORTAL_REMINDER_INTERVAL": "hourly"}, "PORTAL_REMINDER_INTERVAL"},
		{"negative interval", map[string]string{"PORTAL_REMINDER_INTERVAL": "-1h"}, "PORTAL_REMINDER_INTERVAL"},
		{"renew-by days not numbers", map[string]string{"PORTAL_REMINDER_RENEW_BY_DAYS": "14,a week"}, "PORTAL_REMINDER_RENEW_BY_DAYS"},
		{"renew-by day zero", map[string]string{"PORTAL_REMINDER_RENEW_BY_DAYS": "0"}, "PORTAL_REMINDER_RENEW_BY_DAYS"},
		{"expiry days over a year", map[string]string{"PORTAL_REMINDER_EXPIRY_DAYS": "400"}, "PORTAL_REMINDER_EXPIRY_DAYS"},
		{"expiry day twice", map[string]string{"PORTAL_REMINDER_EXPIRY_DAYS": "7, 7"}, "PORTAL_REMINDER_EXPIRY_DAYS lists 7 days twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
			if err == nil {
				t.Fatalf("%v accepted", tc.env)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %s", err, tc.want)
			}
			for _, secret := range lifecycleSecrets {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q repeats the secret %q", err, secret)
				}
			}
		})
	}
}

// lifecycleVariables are the settings the fuzzer fills.
var lifecycleVariables = []string{"SMTP_URL", "SMTP_FROM", "SLACK_WEBHOOK_URL", "SLACK_CLIENT_WEBHOOKS", "SLACK_EVENTS",
	"WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_EVENTS", "PORTAL_BASE_URL", "PORTAL_REMINDER_INTERVAL",
	"PORTAL_REMINDER_RENEW_BY_DAYS", "PORTAL_REMINDER_EXPIRY_DAYS"}

// FuzzLifecycleConfig gives one lifecycle setting any value: reading never
// panics, an error names one of the settings, and what is accepted is sound
// (thresholds of 1 to 365 days, an SMTP port in range, a positive interval).
func FuzzLifecycleConfig(f *testing.F) {
	for i, v := range []string{"smtp://u:p@mail.example:25", "a@b.example", "https://hooks.slack.com/x", "7=https://h.example/a 8=http://h.example/b",
		"order_issued,renewal_due", "http://h.example/hook", "0123456789abcdef", "order_overdue", "https://certs.example",
		"90s", "14,7", "7,1", "smtp://[::1]:587", "1=", "%zz", "smtp://:0", "365,1,2"} {
		f.Add(uint8(i), v)
	}
	f.Fuzz(func(t *testing.T, which uint8, value string) {
		name := lifecycleVariables[int(which)%len(lifecycleVariables)]
		env := map[string]string{name: value}
		if name == "SMTP_URL" {
			env["SMTP_FROM"] = "certportal@agency.example"
		}
		if name == "WEBHOOK_URL" {
			env["WEBHOOK_SECRET"] = "0123456789abcdef"
		}
		var c Config
		err := c.readLifecycleConfig(func(k string) string { return env[k] })
		if err != nil {
			if !strings.Contains(err.Error(), name) && !strings.Contains(err.Error(), "WEBHOOK_SECRET") {
				t.Fatalf("%s=%q: error %q names no setting", name, value, err)
			}
			return
		}
		l := c.Lifecycle
		if s := l.Notify.SMTP; s != nil && (s.Host == "" || s.Port < 1 || s.Port > 65535 || s.From == "") {
			t.Fatalf("SMTP_URL=%q accepted as %+v", value, *s)
		}
		if l.ReminderInterval <= 0 {
			t.Fatalf("PORTAL_REMINDER_INTERVAL=%q accepted as %s", value, l.ReminderInterval)
		}
		seen := map[string]bool{}
		for _, th := range l.Thresholds {
			if th.DaysBefore < 1 || th.DaysBefore > 365 || seen[th.Key] {
				t.Fatalf("%s=%q gave threshold %+v", name, value, th)
			}
			seen[th.Key] = true
		}
	})
}
