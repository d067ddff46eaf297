package opensrs_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/nettest"
	"github.com/certportal/certportal/internal/opensrs"
	"github.com/certportal/certportal/internal/opensrs/opensrstest"
)

const (
	user = "agency"
	key  = "super-secret-reseller-key-0123456789"
)

func client(t *testing.T, url string) *opensrs.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &opensrs.Client{URL: url, Username: user, Key: key, HTTP: &http.Client{Transport: tr, Timeout: 5 * time.Second}}
}

// startSim runs a simulator that takes user and key until the test ends.
func startSim(tb testing.TB) *opensrstest.Server {
	tb.Helper()
	sim := opensrstest.New(opensrstest.Options{Username: user, Key: key})
	if err := sim.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sim.Close() })
	return sim
}

// registerWWW places a new one-year web server order for www.example.com and
// returns its order id.
func registerWWW(tb testing.TB, c *opensrs.Client) string {
	tb.Helper()
	csr, _, err := opensrstest.NewCSR("www.example.com")
	if err != nil {
		tb.Fatal(err)
	}
	id, err := c.SWRegister(context.Background(), opensrs.SWRegisterRequest{
		RegType: "new", ProductType: opensrs.ProductSSLWebServer, Period: 1, CSR: csr,
		Domain: "www.example.com", ContactSet: opensrstest.ContactSet(),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// replyEnvelope builds a reply as the service would.
func replyEnvelope(t testing.TB, success bool, code, text string, attrs map[string]any) []byte {
	ok := "0"
	if success {
		ok = "1"
	}
	b, err := opensrs.Marshal(map[string]any{
		"protocol": "XCP", "action": "REPLY", "object": "TRUST_SERVICE",
		"is_success": ok, "response_code": code, "response_text": text, "attributes": attrs,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDoSendsWhatTheServiceExpects(t *testing.T) {
	t.Parallel()
	var got struct {
		method, ctype, user, sig, length string
		body                             []byte
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.ctype = r.Method, r.Header.Get("Content-Type")
		got.user, got.sig = r.Header.Get("X-Username"), r.Header.Get("X-Signature")
		got.length = fmt.Sprint(r.ContentLength)
		got.body, _ = io.ReadAll(r.Body)
		w.Write(replyEnvelope(t, true, "200", "Command completed successfully", map[string]any{"order_id": "578", "state": "cancelled"}))
	}))
	t.Cleanup(srv.Close)
	resp, err := client(t, srv.URL).Do(context.Background(), "cancel_order", "trust_service", map[string]any{"order_id": "578"})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.IsSuccess || resp.ResponseCode != 200 || resp.ResponseText != "Command completed successfully" || resp.Attributes["state"] != "cancelled" {
		t.Errorf("response: %+v", resp)
	}
	if got.method != http.MethodPost || got.ctype != "text/xml" || got.user != user || got.length != fmt.Sprint(len(got.body)) {
		t.Errorf("request: %+v", got)
	}
	if got.sig != opensrs.Sign(got.body, key) {
		t.Errorf("X-Signature %q does not sign the body", got.sig)
	}
	v, err := opensrs.Unmarshal(got.body)
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if m["action"] != "cancel_order" || m["object"] != "trust_service" || m["protocol"] != "XCP" {
		t.Errorf("request data: %v", m)
	}
	if bytes.Contains(got.body, []byte(key)) {
		t.Error("the key is in the request body")
	}
}

// TestTransportFailuresAreClassified covers the failures a simulator cannot
// easily produce: proxies, broken replies, TLS and DNS.
func TestTransportFailuresAreClassified(t *testing.T) {
	t.Parallel()
	closedPort := func(t *testing.T) string {
		return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(nettest.ClosedPort(t)))
	}
	serve := func(h http.HandlerFunc) func(t *testing.T) string {
		return func(t *testing.T) string {
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			return srv.URL
		}
	}
	tests := []struct {
		name          string
		url           func(t *testing.T) string
		ctx           func() (context.Context, context.CancelFunc)
		wantNotSent   bool
		wantUnknown   bool
		wantRateLimit bool
	}{
		{name: "connection refused", url: closedPort, wantNotSent: true},
		{name: "DNS failure", url: func(*testing.T) string { return "http://no-such-host.invalid:55443" }, wantNotSent: true},
		{name: "TLS handshake failure", url: func(t *testing.T) string {
			srv := httptest.NewUnstartedServer(http.NotFoundHandler())
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake failure is the point
			srv.StartTLS()                                   // with a certificate the client does not trust
			t.Cleanup(srv.Close)
			return srv.URL
		}, wantNotSent: true},
		{name: "context cancelled before sending", url: serve(func(http.ResponseWriter, *http.Request) {}),
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, cancel
			}, wantNotSent: true},
		{name: "HTTP 500 page", url: serve(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "<html>oops</html>", http.StatusInternalServerError)
		}), wantUnknown: true},
		{name: "HTTP 503 from a proxy", url: serve(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}), wantUnknown: true, wantRateLimit: true},
		{name: "HTTP 429", url: serve(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "slow down", http.StatusTooManyRequests)
		}), wantUnknown: true, wantRateLimit: true},
		{name: "malformed reply", url: serve(func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, "<OPS_envelope><body>")
		}), wantUnknown: true},
		{name: "envelope without response_code", url: serve(func(w http.ResponseWriter, _ *http.Request) {
			b, _ := opensrs.Marshal(map[string]any{"is_success": "1"})
			w.Write(b)
		}), wantUnknown: true},
		{name: "connection reset after reading", url: serve(func(w http.ResponseWriter, r *http.Request) {
			io.ReadAll(r.Body)
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}), wantUnknown: true},
		{name: "reply cut short", url: serve(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5000")
			io.WriteString(w, "<OPS_envelope>")
			panic(http.ErrAbortHandler)
		}), wantUnknown: true},
		{name: "timeout waiting for the reply", url: serve(func(w http.ResponseWriter, r *http.Request) {
			io.ReadAll(r.Body) // the server notices a hang-up only once the body is read
			<-r.Context().Done()
		}), ctx: func() (context.Context, context.CancelFunc) {
			// Long enough for the request to be written on a loaded machine
			// (else it is not sent at all); the server never answers.
			return context.WithTimeout(context.Background(), 2*time.Second)
		}, wantUnknown: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			_, err := client(t, tt.url(t)).Do(ctx, "sw_register", "trust_service", nil)
			if err == nil {
				t.Fatal("no error")
			}
			want := opensrstest.Classification{NotSent: tt.wantNotSent, Unknown: tt.wantUnknown, RateLimited: tt.wantRateLimit}
			if got := opensrstest.Classify(err); got != want {
				t.Errorf("classified %+v, want %+v: %v", got, want, err)
			}
			if !strings.HasPrefix(err.Error(), "opensrs: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestAnErrorStatusWithAnEnvelopeIsTheServicesAnswer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write(replyEnvelope(t, false, "465", "Invalid value for field period: must be 1 or 2 years", nil))
	}))
	t.Cleanup(srv.Close)
	_, err := client(t, srv.URL).Do(context.Background(), "sw_register", "trust_service", nil)
	var ae *opensrs.APIError
	if !errors.As(err, &ae) || ae.Code != "465" || ae.Field != "period" {
		t.Fatalf("got %v, want APIError 465 on period", err)
	}
	if opensrs.OutcomeUnknown(err) || opensrs.NotSent(err) {
		t.Errorf("a definite answer classified as transport trouble: %v", err)
	}
}

func TestRateLimitCodesAreRateLimited(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"300", "310"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Write(replyEnvelope(t, false, code, "Maximum command rate exceeded", nil))
		}))
		_, err := client(t, srv.URL).Do(context.Background(), "get_order_info", "trust_service", nil)
		srv.Close()
		if !opensrs.IsRateLimited(err) || opensrs.OutcomeUnknown(err) {
			t.Errorf("%s: got %v, want rate limited with a known outcome", code, err)
		}
	}
}

func TestTheKeyNeverShows(t *testing.T) {
	t.Parallel()
	c := opensrs.Client{URL: "http://127.0.0.1:1", Username: user, Key: key}
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	logger.Info("client", "client", c, "ptr", &c)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("client", "client", c)
	_, err := c.Do(context.Background(), "get_order_info", "trust_service", map[string]any{"order_id": "1"})
	shown := strings.Join([]string{
		fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c),
		fmt.Sprintf("%v %+v %#v %s", &c, &c, &c, &c), logs.String(), err.Error(), fmt.Sprintf("%#v", err),
	}, "\n")
	if strings.Contains(shown, key) {
		t.Errorf("the key leaked:\n%s", shown)
	}
	if !strings.Contains(shown, "[redacted]") || !strings.Contains(shown, user) {
		t.Errorf("the description lost its useful parts:\n%s", shown)
	}
}

// GetCert must find the certificates wherever the reply puts them.
func TestGetCertAcceptsCertificatesInAnyFieldAndOrder(t *testing.T) {
	t.Parallel()
	sim := startSim(t)
	c := client(t, sim.URL())
	id := registerWWW(t, c)
	if err := sim.SetState(id, opensrs.StateCompleted); err != nil {
		t.Fatal(err)
	}
	real, err := c.GetCertByOrderID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	leaf, inter, root := real.Certificate, pemString(sim.IntermediateCertificate().Raw), pemString(sim.RootCertificate().Raw)

	tests := map[string]map[string]any{
		"documented layout": {"certificate": leaf, "ca_certificates": []any{
			map[string]any{"type": "INTERMEDIATE", "ca_certificate": inter}, map[string]any{"type": "ROOT", "ca_certificate": root}}},
		"chain pasted into certificate, root first": {"certificate": root + "\r\n" + inter + leaf},
		"leaf among the CA certificates":            {"ca_certificates": []any{map[string]any{"ca_certificate": inter}, map[string]any{"ca_certificate": leaf}}},
		"only a PKCS#7":                             {"pkcs7": real.PKCS7},
		"unknown keys and junk":                     {"intermediate": "junk\n" + inter, "cert": leaf, "root_ca": root},
	}
	for name, certData := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Write(replyEnvelope(t, true, "200", "ok", map[string]any{"cert_data": certData, "product_id": "9", "expiry_date": "2030-01-01"}))
			}))
			t.Cleanup(srv.Close)
			cd, err := client(t, srv.URL).GetCert(context.Background(), "9")
			if err != nil {
				t.Fatal(err)
			}
			if cd.Certificate != leaf {
				t.Errorf("leaf: got\n%s\nwant\n%s", cd.Certificate, leaf)
			}
			want := map[string]bool{inter: true, root: true}
			if name == "leaf among the CA certificates" {
				want = map[string]bool{inter: true}
			}
			got := map[string]bool{}
			for _, p := range cd.CACertificates {
				got[p] = true
			}
			if len(got) != len(want) || len(cd.CACertificates) != len(want) {
				t.Errorf("CA certificates: got %d, want %d", len(cd.CACertificates), len(want))
			}
			for p := range want {
				if !got[p] {
					t.Errorf("missing CA certificate")
				}
			}
			if cd.NotAfter.IsZero() || cd.ProductID != "9" || cd.ExpiryDate != "2030-01-01" {
				t.Errorf("metadata: %+v", cd)
			}
		})
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write(replyEnvelope(t, true, "200", "ok", map[string]any{"cert_data": map[string]any{"certificate": "not yet"}}))
	}))
	t.Cleanup(srv.Close)
	if _, err := client(t, srv.URL).GetCert(context.Background(), "9"); err == nil || !strings.Contains(err.Error(), "no certificate") {
		t.Errorf("a reply without certificates: got %v", err)
	}
}

func pemString(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestSWRegisterWithoutOrderIDIsAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write(replyEnvelope(t, true, "200", "ok", map[string]any{}))
	}))
	t.Cleanup(srv.Close)
	_, err := client(t, srv.URL).SWRegister(context.Background(), opensrs.SWRegisterRequest{})
	if !opensrs.OutcomeUnknown(err) {
		t.Errorf("got %v, want OutcomeUnknown", err)
	}
}

func BenchmarkGetOrderInfo(b *testing.B) {
	sim := startSim(b)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	c := &opensrs.Client{URL: sim.URL(), Username: user, Key: key, HTTP: &http.Client{Transport: tr}}
	id := registerWWW(b, c)
	var failures atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.GetOrderInfo(context.Background(), id); err != nil {
			failures.Add(1)
		}
	}
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d calls failed", n)
	}
}

func TestAValueXMLCannotCarryIsNotSentAndNamesItsAttribute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		attrs    map[string]any
		wantPath string
	}{
		{"vertical tab in a contact's name", map[string]any{"contact_set": map[string]any{"admin": map[string]any{"first_name": "Ada\vLovelace"}}}, "contact_set.admin.first_name"},
		{"U+FFFE in the organization", map[string]any{"contact_set": map[string]any{"organization": map[string]any{"org_name": "Acme\uFFFE"}}}, "contact_set.organization.org_name"},
		{"invalid UTF-8 in a top-level attribute", map[string]any{"special_instructions": "caf\xe9"}, "special_instructions"},
		{"NUL in an array item", map[string]any{"domains": []string{"a.example", "b\x00.example"}}, "domains.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var requests atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { requests.Add(1) }))
			t.Cleanup(srv.Close)
			_, err := client(t, srv.URL).Do(context.Background(), "sw_register", "trust_service", tt.attrs)
			if !opensrs.NotSent(err) || opensrs.OutcomeUnknown(err) {
				t.Fatalf("NotSent %v, OutcomeUnknown %v (%v); want not sent", opensrs.NotSent(err), opensrs.OutcomeUnknown(err), err)
			}
			var ee *opensrs.EncodeError
			if !errors.As(err, &ee) || ee.Path != tt.wantPath {
				t.Errorf("error %v: want an EncodeError at %q", err, tt.wantPath)
			}
			if n := requests.Load(); n != 0 {
				t.Errorf("the server saw %d requests, want none", n)
			}
		})
	}
}
