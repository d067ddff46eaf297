package opensrstest_test

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/opensrs"
	"github.com/certportal/certportal/internal/opensrs/opensrstest"
)

// Each fault must reach the client as the classification a caller relies on
// for exactly-once ordering.
func TestFaultsAreClassifiedForExactlyOnceSubmission(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault          opensrstest.Fault
		want           opensrstest.Classification
		wantCalls      int
		wantOrders     int
		clientDeadline time.Duration
	}{
		{fault: opensrstest.FaultRefuse, want: opensrstest.Classification{NotSent: true}, wantCalls: 0, wantOrders: 0},
		// The deadline must leave the request time to reach the simulator on
		// a loaded machine (300ms did not always), which then never answers.
		{fault: opensrstest.FaultTimeout, want: opensrstest.Classification{Unknown: true}, wantCalls: 1, wantOrders: 0, clientDeadline: 2 * time.Second},
		{fault: opensrstest.FaultDropAfterProcessing, want: opensrstest.Classification{Unknown: true}, wantCalls: 1, wantOrders: 1},
		{fault: opensrstest.FaultRateLimit, want: opensrstest.Classification{RateLimited: true}, wantCalls: 1, wantOrders: 0},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t)
			if err := srv.SetFault("SW_REGISTER", tt.fault); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if tt.clientDeadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.clientDeadline)
				defer cancel()
			}
			_, err := c.SWRegister(ctx, newOrder(t, opensrs.ProductSSLWebServer, "www.example.com").req)
			if err == nil {
				t.Fatal("SWRegister succeeded under a fault")
			}
			if got := opensrstest.Classify(err); got != tt.want {
				t.Errorf("classified %+v, want %+v (%v)", got, tt.want, err)
			}
			if got := srv.Calls("sw_register"); got != tt.wantCalls {
				t.Errorf("sw_register received %d times, want %d", got, tt.wantCalls)
			}
			if got := len(srv.Orders()); got != tt.wantOrders {
				t.Errorf("%d orders exist, want %d", got, tt.wantOrders)
			}

			// Once cleared, the same client works again.
			if err := srv.ClearFaults(); err != nil {
				t.Fatal(err)
			}
			if _, err := c.SWRegister(context.Background(), newOrder(t, opensrs.ProductSSLWebServer, "www.example.com").req); err != nil {
				t.Fatalf("after ClearFaults: %v", err)
			}
		})
	}
}

func TestAFaultOnOneActionLeavesOthersAlone(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.SetFault("sw_register", opensrstest.FaultRateLimit)
	if _, err := c.GetOrderInfo(context.Background(), "1"); !opensrs.IsNotFound(err) {
		t.Errorf("get_order_info: got %v, want a plain 480", err)
	}
	srv.SetFault(opensrstest.AnyAction, opensrstest.FaultRateLimit)
	srv.SetFault("sw_register", opensrstest.FaultNone)
	if _, err := c.GetOrderInfo(context.Background(), "1"); !opensrs.IsRateLimited(err) {
		t.Errorf("with AnyAction: got %v, want rate limited", err)
	}
}

func TestACountedFaultWearsOff(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.SetFaultTimes("get_order_info", opensrstest.FaultRateLimit, 2)
	for i, want := range []bool{true, true, false} {
		_, err := c.GetOrderInfo(context.Background(), "1")
		if got := opensrs.IsRateLimited(err); got != want {
			t.Errorf("call %d: rate limited = %v, want %v (%v)", i+1, got, want, err)
		}
	}
}

// A keep-alive connection opened before the refusal must not carry the
// next request through.
func TestRefusingClosesConnectionsAlreadyOpen(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t)
	closes := &closeNoticer{}
	tr := &http.Transport{DialContext: closes.dial}
	t.Cleanup(tr.CloseIdleConnections)
	c := &opensrs.Client{URL: srv.URL(), Username: testUser, Key: testKey, HTTP: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
	if _, err := c.GetOrderInfo(context.Background(), "1"); !opensrs.IsNotFound(err) {
		t.Fatal(err)
	}
	srv.SetFault("sw_register", opensrstest.FaultRefuse)
	// Let the client's transport notice the close: its idle connection's
	// reader sees the end of the stream (a fixed 100ms was not always
	// enough for that goroutine to run on a loaded machine).
	for deadline := time.Now().Add(10 * time.Second); closes.seen.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the client never read the close of its idle connection")
		}
	}
	_, err := c.SWRegister(context.Background(), newOrder(t, opensrs.ProductSSLWebServer, "www.example.com").req)
	if !opensrs.NotSent(err) {
		t.Errorf("got %v, want NotSent", err)
	}
	if n := srv.Calls("sw_register"); n != 0 {
		t.Errorf("sw_register received %d times while refusing", n)
	}
}

func TestCloseReleasesAHungRequest(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.SetFault(opensrstest.AnyAction, opensrstest.FaultTimeout)
	errc := make(chan error, 1)
	go func() {
		_, err := c.GetOrderInfo(context.Background(), "1")
		errc <- err
	}()
	for srv.Calls("get_order_info") == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	srv.Close()
	select {
	case err := <-errc:
		if !opensrs.OutcomeUnknown(err) {
			t.Errorf("got %v, want OutcomeUnknown", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the hung request outlived Close")
	}
}

// closeNoticer dials connections that count the reads ending their stream.
type closeNoticer struct{ seen atomic.Int32 }

func (n *closeNoticer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &noticingConn{Conn: c, n: n}, nil
}

type noticingConn struct {
	net.Conn
	n *closeNoticer
}

func (c *noticingConn) Read(p []byte) (int, error) {
	k, err := c.Conn.Read(p)
	if err != nil {
		c.n.seen.Add(1)
	}
	return k, err
}
