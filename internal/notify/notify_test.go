package notify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	smtp "github.com/emersion/go-smtp"

	"github.com/certportal/certportal/internal/notify"
	"github.com/certportal/certportal/internal/orders/ordertest"
	"github.com/certportal/certportal/internal/pgtest"
)

// mailbox is an in-test SMTP server offering STARTTLS.
type mailbox struct {
	mu   sync.Mutex
	msgs []*mail.Message
	rcpt []string
	tls  bool
}

type session struct {
	box  *mailbox
	conn *smtp.Conn
}

func (s *session) Reset()                               {}
func (s *session) Logout() error                        { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.box.mu.Lock()
	defer s.box.mu.Unlock()
	s.box.rcpt = append(s.box.rcpt, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(m.Body)
	m.Body = strings.NewReader(string(body))
	s.box.mu.Lock()
	defer s.box.mu.Unlock()
	_, s.box.tls = s.conn.TLSConnectionState()
	s.box.msgs = append(s.box.msgs, m)
	return nil
}

func startSMTP(t *testing.T) (*mailbox, *notify.SMTPConfig) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	box := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{box: box, conn: c}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	port := l.Addr().(*net.TCPAddr).Port
	return box, &notify.SMTPConfig{Host: "localhost", Port: port, From: "certportal@agency.example",
		TLS: &tls.Config{RootCAs: roots, ServerName: "localhost"}}
}

func TestNotifyEmailsTheProjectPOOverSTARTTLSAndSignsTheWebhook(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	f := ordertest.New(t, pool, ordertest.Options{})
	var po int64
	if err := pool.QueryRow(ctx, `INSERT INTO users (email, name, roles) VALUES ('po@agency.example', 'Po', '{po}') RETURNING id`).Scan(&po); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE projects SET po_id = $1 WHERE id = $2`, po, f.ProjectID); err != nil {
		t.Fatal(err)
	}
	orderID := ordertest.AddOrder(t, pool, f, f.RequirementID, "pending", nil, 0)
	box, smtpCfg := startSMTP(t)
	const secret = "s3cret-s3cret-s3cret"
	var hooks atomic.Int32
	var badSignature atomic.Bool
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get(notify.SignatureHeader) != notify.Sign(secret, body) || !strings.Contains(string(body), `"event":"order_issued"`) {
			badSignature.Store(true)
		}
		hooks.Add(1)
	}))
	t.Cleanup(hook.Close)
	n := notify.New(pool, notify.Config{SMTP: smtpCfg, WebhookURL: hook.URL + "/hook/token", WebhookSecret: secret, BaseURL: "https://certs.agency.example"})
	ev, ok := notify.OrderStateEvent(orderID, "approver-confirmed", "issued", time.Now())
	if !ok {
		t.Fatal("issued is an event")
	}
	if err := n.Notify(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if sent, err := n.DeliverPending(ctx); err != nil || sent != 2 {
		t.Fatalf("sent %d (%v), want 2: email and webhook", sent, err)
	}
	box.mu.Lock()
	defer box.mu.Unlock()
	if len(box.msgs) != 1 || !box.tls {
		t.Fatalf("got %d emails (tls %t), want 1 over STARTTLS", len(box.msgs), box.tls)
	}
	m := box.msgs[0]
	if got := m.Header.Get("Subject"); !strings.Contains(got, "Order ") || !strings.Contains(got, "issued") {
		t.Errorf("subject %q, want the order issued", got)
	}
	if got := m.Header.Get("To"); !strings.Contains(got, "po@agency.example") {
		t.Errorf("to %q, want the project's PO", got)
	}
	body, _ := io.ReadAll(m.Body)
	if want := "https://certs.agency.example/orders/"; !strings.Contains(string(body), want) {
		t.Errorf("body %q has no link %s", body, want)
	}
	if hooks.Load() != 1 || badSignature.Load() {
		t.Errorf("webhook calls %d, bad signature %t; want 1 good", hooks.Load(), badSignature.Load())
	}
}

func TestFailingWebhookIsShownWithItsErrorAndSentOnRetry(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	var fail atomic.Bool
	fail.Store(true)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	t.Cleanup(hook.Close)
	n := notify.New(pool, notify.Config{WebhookURL: hook.URL + "/secret-path-xyz", WebhookSecret: "0123456789abcdef"})
	if err := n.Notify(ctx, notify.Event{Type: notify.OrderOverdue, Subject: "Order 1 overdue", Text: "late"}); err != nil {
		t.Fatal(err)
	}
	list, _ := n.Deliveries(ctx, 10)
	if len(list) != 1 {
		t.Fatalf("%d deliveries, want 1", len(list))
	}
	id := list[0].ID
	if err := n.Deliver(ctx, id, true); err == nil {
		t.Fatal("a 502 is a failure")
	}
	troubles, _ := n.Troubles(ctx, 10)
	if len(troubles) != 1 || troubles[0].Status != notify.StatusFailed || !strings.Contains(troubles[0].LastError, "502") {
		t.Fatalf("troubles %+v, want the failed delivery with its 502", troubles)
	}
	if strings.Contains(troubles[0].LastError, "secret-path-xyz") {
		t.Errorf("error %q shows the webhook path", troubles[0].LastError)
	}
	fail.Store(false)
	if err := n.Retry(ctx, id); err != nil {
		t.Fatal(err)
	}
	if sent, err := n.DeliverPending(ctx); err != nil || sent != 1 {
		t.Fatalf("retry sent %d (%v), want 1", sent, err)
	}
	if troubles, _ := n.Troubles(ctx, 10); len(troubles) != 0 {
		t.Errorf("troubles after retry %+v, want none", troubles)
	}
}

// Without SMTP_URL an email cannot be sent however often it is tried: the
// delivery fails for good on its first attempt, saying why, and the job is not
// retried (no stream of warnings in a portal run without SMTP); an admin's
// retry after configuring the channel sends it.
func TestAnEmailWithoutSMTPFailsForGoodAtOnceAndIsNotRetried(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO notification_deliveries (event, channel, recipient, subject, payload, status)
		VALUES ('order_overdue', 'email', 'po@agency.example', 'Order 1 overdue', '{}', 'pending')`); err != nil {
		t.Fatal(err)
	}
	n := notify.New(pool, notify.Config{})
	list, _ := n.Deliveries(ctx, 10)
	if len(list) != 1 {
		t.Fatalf("%d deliveries, want 1", len(list))
	}
	if err := n.Deliver(ctx, list[0].ID, false); err != nil {
		t.Fatalf("Deliver = %v, want nil: retrying cannot configure SMTP", err)
	}
	troubles, _ := n.Troubles(ctx, 10)
	if len(troubles) != 1 || troubles[0].Status != notify.StatusFailed || !strings.Contains(troubles[0].LastError, "SMTP_URL") {
		t.Fatalf("troubles %+v, want the delivery failed for good naming SMTP_URL", troubles)
	}
}

func TestCountTroublesCountsTheFailingDeliveriesUpToItsCap(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	// 7 failed for good, 2 waiting after a failed attempt, 4 sent, 3 not yet tried.
	for _, d := range []struct {
		n        int
		status   string
		attempts int
	}{{7, "failed", 5}, {2, "pending", 1}, {4, "sent", 1}, {3, "pending", 0}} {
		if _, err := pool.Exec(ctx, `INSERT INTO notification_deliveries (event, channel, recipient, subject, payload, status, attempts)
			SELECT 'expiry', 'email', 'po@example.com', 'Renew', '{}', $2, $3 FROM generate_series(1, $1)`, d.n, d.status, d.attempts); err != nil {
			t.Fatal(err)
		}
	}
	n := notify.New(pool, notify.Config{})
	for _, tc := range []struct {
		max, want int
		more      bool
	}{{100, 9, false}, {9, 9, false}, {8, 8, true}, {1, 1, true}} {
		got, more, err := n.CountTroubles(ctx, tc.max)
		if err != nil || got != tc.want || more != tc.more {
			t.Errorf("CountTroubles(%d) = %d, %v, %v; want %d, %v", tc.max, got, more, err, tc.want, tc.more)
		}
	}
}
