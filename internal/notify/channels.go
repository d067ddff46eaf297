package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"
)

// SMTPConfig is the mail server, from SMTP_URL (smtp://user:pass@host:587)
// and SMTP_FROM. Mail always goes over STARTTLS.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	// TLS overrides the TLS settings (tests trust their own server with it).
	TLS *tls.Config
}

// String names the server without its password.
func (c SMTPConfig) String() string { return fmt.Sprintf("smtp://%s:%d", c.Host, c.Port) }

// ParseSMTPURL reads SMTP_URL. Its errors never repeat the URL (it holds a password).
func ParseSMTPURL(raw, from string) (*SMTPConfig, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, errors.New("SMTP_URL must look like smtp://user:pass@host:587")
	}
	c := &SMTPConfig{Host: u.Hostname(), Port: 587, From: strings.TrimSpace(from)}
	if p := u.Port(); p != "" {
		if c.Port, err = strconv.Atoi(p); err != nil || c.Port <= 0 || c.Port > 65535 {
			return nil, errors.New("SMTP_URL has a port that is not a number from 1 to 65535")
		}
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	if c.From == "" {
		return nil, errors.New("SMTP_FROM is required with SMTP_URL, such as certportal@agency.example")
	}
	return c, nil
}

// Message is what a channel sends.
type Message struct {
	To      string
	Subject string
	Text    string
	// Link is the absolute URL of the portal page to act on, or "".
	Link  string
	Event Event
}

func (m Message) body() string {
	if m.Link == "" {
		return m.Text
	}
	return m.Text + "\n\n" + m.Link
}

// sendEmail sends one email over STARTTLS.
func sendEmail(ctx context.Context, c *SMTPConfig, m Message) error {
	msg := mail.NewMsg()
	if err := msg.From(c.From); err != nil {
		return fmt.Errorf("notify: email from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("notify: email to: %w", err)
	}
	msg.Subject("[Certportal] " + m.Subject)
	msg.SetBodyString(mail.TypeTextPlain, m.body())
	opts := []mail.Option{mail.WithPort(c.Port), mail.WithTLSPolicy(mail.TLSMandatory), mail.WithTimeout(30 * time.Second)}
	if c.TLS != nil {
		opts = append(opts, mail.WithTLSConfig(c.TLS))
	}
	if c.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(c.Username), mail.WithPassword(c.Password))
	}
	client, err := mail.NewClient(c.Host, opts...)
	if err != nil {
		return fmt.Errorf("notify: email client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("notify: send email via %s: %w", c, err)
	}
	return nil
}

// postJSON posts body to target. Errors name the host only: the path of an
// incoming webhook is its secret.
func postJSON(ctx context.Context, hc *http.Client, target string, body []byte, header http.Header) error {
	u, err := url.Parse(target)
	if err != nil {
		return errors.New("notify: webhook URL is not valid")
	}
	host := u.Host
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notify: webhook to %s: bad request", host)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "certportal")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return fmt.Errorf("notify: webhook to %s: timed out", host)
		}
		return fmt.Errorf("notify: webhook to %s: %v", host, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("notify: webhook to %s answered %s", host, resp.Status)
	}
	return nil
}

// sendSlack posts a Slack-compatible incoming-webhook message.
func sendSlack(ctx context.Context, hc *http.Client, target string, m Message) error {
	text := "*" + m.Subject + "*\n" + m.Text
	if m.Link != "" {
		text += "\n<" + m.Link + "|Open in Certportal>"
	}
	body, _ := json.Marshal(map[string]string{"text": text})
	return postJSON(ctx, hc, target, body, nil)
}

// SignatureHeader carries the generic webhook's signature.
const SignatureHeader = "X-Certportal-Signature"

// Sign is the signature of body under secret: "sha256=" and the hex HMAC-SHA256.
func Sign(secret string, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(body)
	return "sha256=" + hex.EncodeToString(h.Sum(nil))
}

// WebhookBody is the generic webhook's JSON body.
type WebhookBody struct {
	Event
	DeliveryID int64  `json:"delivery_id"`
	URL        string `json:"url,omitempty"`
}

// sendWebhook posts the event as JSON signed with secret.
func sendWebhook(ctx context.Context, hc *http.Client, target, secret string, deliveryID int64, m Message) error {
	body, err := json.Marshal(WebhookBody{Event: m.Event, DeliveryID: deliveryID, URL: m.Link})
	if err != nil {
		return fmt.Errorf("notify: webhook body: %w", err)
	}
	h := http.Header{}
	if secret != "" {
		h.Set(SignatureHeader, Sign(secret, body))
	}
	return postJSON(ctx, hc, target, body, h)
}
