package opensrstest_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/certportal/certportal/internal/opensrs"
	"github.com/certportal/certportal/internal/opensrs/opensrstest"
)

func apiError(t *testing.T, err error) *opensrs.APIError {
	t.Helper()
	var ae *opensrs.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v (%T), want *opensrs.APIError", err, err)
	}
	return ae
}

func TestAuthenticationFailuresAreRefusedBeforeAnything(t *testing.T) {
	t.Parallel()
	srv, good := setup(t)
	wrongKey := newClient(t, srv.URL(), "not-the-key")
	wrongUser := newClient(t, srv.URL(), testKey)
	wrongUser.Username = "someone-else"
	for name, c := range map[string]*opensrs.Client{"wrong key": wrongKey, "wrong username": wrongUser} {
		_, err := c.SWRegister(context.Background(), newOrder(t, opensrs.ProductSSLWebServer, "www.example.com").req)
		ae := apiError(t, err)
		if ae.Code != "401" || !ae.IsAuth() || !strings.Contains(ae.Text, "Authentication Error") {
			t.Errorf("%s: got %v, want 401 Authentication Error", name, ae)
		}
	}
	if n := srv.Calls("sw_register"); n != 0 {
		t.Errorf("unauthenticated requests counted as %d calls", n)
	}
	if _, err := good.GetOrderInfo(context.Background(), "1"); !opensrs.IsNotFound(err) {
		t.Errorf("the right credentials still fail: %v", err)
	}
}

func TestActionAndObjectMatchCaseInsensitively(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
	for _, pair := range [][2]string{{"GET_ORDER_INFO", "TRUST_SERVICE"}, {"Get_Order_Info", "Trust_Service"}, {"get_order_info", "trust_service"}} {
		resp, err := c.Do(context.Background(), pair[0], pair[1], map[string]any{"order_id": id})
		if err != nil || resp.Attributes["order_id"] != id {
			t.Errorf("%v: got %v, %v", pair, resp, err)
		}
	}
	if n := srv.Calls("GET_order_info"); n != 3 {
		t.Errorf("Calls: got %d, want 3", n)
	}
}

func TestUnknownActionsAndObjectsAreInvalidCommands(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	for _, pair := range [][2]string{
		{"resend_approver_email", "trust_service"}, // the PHP toolkit's misspelling
		{"query_qpprover_list", "trust_service"},   // and its other one
		{"get_order_info", "domain"},
		{"", ""},
	} {
		_, err := c.Do(context.Background(), pair[0], pair[1], map[string]any{"order_id": "1"})
		if ae := apiError(t, err); ae.Code != "430" || !strings.Contains(ae.Text, "Invalid command") {
			t.Errorf("%v: got %v, want 430 Invalid command", pair, ae)
		}
	}
}

// TestEveryReplyIsHTTP200WithContentLength posts raw requests, since the PHP
// toolkit fails on a chunked reply and some clients on any status but 200.
func TestEveryReplyIsHTTP200WithContentLength(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
	srv.Advance(id)
	srv.SetState(id, opensrs.StateCompleted)
	signed := func(action string, attrs map[string]any) ([]byte, string) {
		body, err := opensrs.Marshal(map[string]any{"protocol": "XCP", "action": action, "object": "trust_service", "attributes": attrs})
		if err != nil {
			t.Fatal(err)
		}
		return body, opensrs.Sign(body, testKey)
	}
	certBody, certSig := signed("get_cert", map[string]any{"order_id": id, "return_ca_certs": "1", "return_pkcs7_cert": "1"})
	unknownBody, unknownSig := signed("frobnicate", nil)
	cases := map[string]struct {
		body []byte
		sig  string
	}{
		"large success":  {certBody, certSig},
		"bad signature":  {certBody, strings.Repeat("0", 32)},
		"unknown action": {unknownBody, unknownSig},
		"malformed XML":  {[]byte("<oops"), opensrs.Sign([]byte("<oops"), testKey)},
	}
	for name, tc := range cases {
		req, _ := http.NewRequest(http.MethodPost, srv.URL(), bytes.NewReader(tc.body))
		req.Header.Set("Content-Type", "text/xml")
		req.Header.Set("X-Username", testUser)
		req.Header.Set("X-Signature", tc.sig)
		resp, err := c.HTTP.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) || len(resp.TransferEncoding) != 0 {
			t.Errorf("%s: status %d, Content-Length %q for %d bytes, Transfer-Encoding %v", name, resp.StatusCode, resp.Header.Get("Content-Length"), len(body), resp.TransferEncoding)
		}
		if _, err := opensrs.Unmarshal(body); err != nil {
			t.Errorf("%s: reply is not an envelope: %v", name, err)
		}
	}

	// The PHP toolkit speaks HTTP/1.0 and rejects any status line but HTTP/1.1.
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.0\r\nContent-Type: text/xml\r\nX-Username: %s\r\nX-Signature: %s\r\nContent-Length: %d\r\n\r\n%s", testUser, certSig, len(certBody), certBody)
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || status != "HTTP/1.1 200 OK\r\n" {
		t.Errorf("HTTP/1.0 request answered with %q, %v", status, err)
	}
}

func TestGetCertOnlyServesCompletedOrders(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
	for _, state := range []string{opensrs.StatePending, opensrs.StateInProgress, opensrs.StateAwaitingApproval, opensrs.StateApproverConfirmed, opensrs.StateDeclined, opensrs.StateCancelled} {
		if err := srv.SetState(id, state); err != nil {
			t.Fatal(err)
		}
		_, err := c.GetCertByOrderID(ctx, id)
		if ae := apiError(t, err); ae.Code != "465" || !strings.Contains(ae.Text, state) {
			t.Errorf("%s: got %v, want 465 naming the state", state, ae)
		}
	}
	if _, err := c.GetCert(ctx, "999"); !opensrs.IsNotFound(err) {
		t.Errorf("unknown product: got %v, want 480", err)
	}
	if _, err := c.GetCertByOrderID(ctx, "999"); !opensrs.IsNotFound(err) {
		t.Errorf("unknown order: got %v, want 480", err)
	}
	_, err := c.Do(ctx, "get_cert", "trust_service", nil)
	if ae := apiError(t, err); ae.Code != "460" || ae.Field != "product_id" {
		t.Errorf("no id: got %v, want 460 product_id", ae)
	}
}

func TestGetCertLeavesOutWhatWasNotAskedFor(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
	srv.SetState(id, opensrs.StateCompleted)
	resp, err := c.Do(context.Background(), "get_cert", "trust_service", map[string]any{"order_id": id})
	if err != nil {
		t.Fatal(err)
	}
	data := resp.Attributes["cert_data"].(map[string]any)
	if _, ok := data["ca_certificates"]; ok {
		t.Error("ca_certificates without return_ca_certs")
	}
	if _, ok := data["pkcs7"]; ok {
		t.Error("pkcs7 without return_pkcs7_cert")
	}
	for _, k := range []string{"expiry_date", "issue_date", "start_date", "product_id", "domain", "contact_email", "state"} {
		if resp.Attributes[k] == "" || resp.Attributes[k] == nil {
			t.Errorf("get_cert lacks %s", k)
		}
	}
}

func TestStatesCanBeSetAndFinalOnesDoNotAdvance(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
	if err := srv.SetState(id, opensrs.StateDeclined); err != nil {
		t.Fatal(err)
	}
	info, err := c.GetOrderInfo(context.Background(), id)
	if err != nil || info.State != opensrs.StateDeclined {
		t.Fatalf("got %v, %v; want declined", info, err)
	}
	if _, err := srv.Advance(id); err == nil {
		t.Error("a declined order advanced")
	}
	if err := srv.SetState(id, "lost"); err == nil {
		t.Error("SetState accepted an unknown state")
	}
	if _, err := srv.Advance("404"); !errors.Is(err, opensrstest.ErrOrderNotFound) {
		t.Errorf("Advance of an unknown order: %v", err)
	}
}

func TestCancelOrder(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	for _, state := range []string{opensrs.StatePending, opensrs.StateInProgress, opensrs.StateAwaitingApproval, opensrs.StateApproverConfirmed} {
		id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
		srv.SetState(id, state)
		if err := c.CancelOrder(ctx, id); err != nil {
			t.Errorf("cancel in %s: %v", state, err)
		}
		if info, _ := c.GetOrderInfo(ctx, id); info.State != opensrs.StateCancelled {
			t.Errorf("after cancel in %s: state %s", state, info.State)
		}
	}
	for _, state := range []string{opensrs.StateCompleted, opensrs.StateCancelled, opensrs.StateDeclined} {
		id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
		srv.SetState(id, state)
		if ae := apiError(t, c.CancelOrder(ctx, id)); ae.Code != "465" {
			t.Errorf("cancel in %s: got %v, want 465", state, ae)
		}
	}
	if err := c.CancelOrder(ctx, "12"); !opensrs.IsNotFound(err) {
		t.Errorf("cancel unknown: got %v, want 480", err)
	}
}

func TestResendApproveEmailOnlyWhileAwaitingApproval(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := context.Background()
	id := place(t, c, newOrder(t, opensrs.ProductSSL123, "www.example.com"))
	if ae := apiError(t, c.ResendApproveEmail(ctx, id)); ae.Code != "465" {
		t.Errorf("pending: got %v, want 465", ae)
	}
	srv.SetState(id, opensrs.StateAwaitingApproval)
	if err := c.ResendApproveEmail(ctx, id); err != nil {
		t.Fatal(err)
	}
	if o, _ := srv.Order(id); o.ApprovalEmailsSent != 1 {
		t.Errorf("ApprovalEmailsSent = %d, want 1", o.ApprovalEmailsSent)
	}
	if err := c.ResendApproveEmail(ctx, "77"); !opensrs.IsNotFound(err) {
		t.Errorf("unknown order: got %v, want 480", err)
	}
}

func TestQueryApproverList(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := context.Background()
	tests := []struct {
		domain string
		want   []string
	}{
		{"www.example.com", []string{"admin@example.com", "administrator@example.com", "hostmaster@example.com", "postmaster@example.com", "webmaster@example.com", "registrant@owner.example"}},
		{"*.shop.example.co.uk", []string{"admin@example.co.uk", "administrator@example.co.uk", "hostmaster@example.co.uk", "postmaster@example.co.uk", "webmaster@example.co.uk"}},
	}
	for _, tt := range tests {
		list, err := c.QueryApproverList(ctx, tt.domain, opensrs.ProductSSL123)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range list {
			got = append(got, a.Email)
			if a.Type != "MANUAL" || a.Domain == "" {
				t.Errorf("%s: approver %+v", tt.domain, a)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.domain, got, tt.want)
		}
	}
	if _, err := c.QueryApproverList(ctx, "", opensrs.ProductSSL123); apiError(t, err).Field != "domain" {
		t.Errorf("no domain: %v", err)
	}
}

func TestParseCSR(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	csr, _, err := opensrstest.NewCSR("www.example.com")
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.ParseCSR(context.Background(), csr, opensrs.ProductSSLWebServer)
	if err != nil {
		t.Fatal(err)
	}
	if d.Domain != "www.example.com" || d.Organization != "ExampleBiz LLC" || d.Country != "US" || d.State != "Illinois" || d.Locality != "Chicago" {
		t.Errorf("got %+v", d)
	}
	_, err = c.ParseCSR(context.Background(), "garbage", opensrs.ProductSSLWebServer)
	if ae := apiError(t, err); ae.Code != "465" || ae.Field != "csr" {
		t.Errorf("garbage: got %v", ae)
	}
}

func TestAdvanceOnPollCompletesOrdersByItself(t *testing.T) {
	t.Parallel()
	_, c := setup(t, func(o *opensrstest.Options) { o.AdvanceOnPoll = true })
	ctx := context.Background()
	id := place(t, c, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com"))
	var info *opensrs.OrderInfo
	for range 4 {
		var err error
		if info, err = c.GetOrderInfo(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if info.State != opensrs.StateCompleted {
		t.Fatalf("after four polls: %s", info.State)
	}
	if _, err := c.GetCert(ctx, info.ProductID); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentOrdersGetDistinctIDs(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	o := newOrder(t, opensrs.ProductSSLWebServer, "www.example.com")
	const n = 16
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id, err := c.SWRegister(context.Background(), o.req)
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
			srv.Advance(id)
			srv.Orders()
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("duplicate order id %s", id)
		}
		seen[id] = true
	}
	if got := srv.Calls("sw_register"); got != n {
		t.Errorf("Calls = %d, want %d", got, n)
	}
}

// The handler also works mounted elsewhere, e.g. on an httptest server.
func TestHandlerServesWithoutStart(t *testing.T) {
	t.Parallel()
	sim := opensrstest.New(opensrstest.Options{Username: testUser, Key: testKey})
	hs := httptest.NewServer(sim.Handler())
	t.Cleanup(hs.Close)
	c := newClient(t, hs.URL, testKey)
	id := place(t, c, newOrder(t, opensrs.ProductSSLWebServerEV, "secure.example.com"))
	if info, err := c.GetOrderInfo(context.Background(), id); err != nil || info.State != opensrs.StatePending {
		t.Errorf("got %+v, %v", info, err)
	}
}
