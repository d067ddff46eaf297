package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

func TestAClientFieldXMLCannotCarryIsRefusedAtTheField(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok := b.token(b.user("po@example.com", accounts.RolePO))
	resp, body := b.api("POST", "/api/v1/clients", tok, `{"display_name":"ExampleBiz","address1":"1 Main\u000bStreet"}`)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("create a client with U+000B: %d %s, want 422", resp.StatusCode, body)
	}
	fields, _ := decodeAs[map[string]any](t, body)["fields"].(map[string]any)
	if msg, _ := fields["address1"].(string); !strings.Contains(msg, "U+000B") {
		t.Errorf("fields %v, want address1 naming U+000B", fields)
	}
}

func TestAnOrderThatCannotBeEncodedStaysADraftWith422(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	id, _ := b.draft()
	// A value stored before validation refused it.
	if _, err := b.pool.Exec(context.Background(), `UPDATE clients SET city = E'Spring\u000bfield' WHERE id = $1`, b.fx.ClientID); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/orders/%d", id)
	resp, body := b.api("POST", path+"/submit", b.poToken, "")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"organization"`) {
		t.Fatalf("submit: %d %s, want 422 at organization", resp.StatusCode, body)
	}
	_, body = b.api("GET", path, b.poToken, "")
	if st := decodeAs[map[string]any](t, body)["state"]; st != "draft" {
		t.Errorf("state %v, want draft: nothing left the portal", st)
	}
	if n := b.sim.Calls("sw_register"); n != 0 {
		t.Errorf("sw_register sent %d times, want 0", n)
	}
}

func TestAnAcceptedOrderThatCannotBeRecordedAnswers202Unknown(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	b.draftLeftAs(t, `state = 'cancelled', provider_order_id = '3000001'`)
	id, _ := b.draft()
	resp, body := b.api("POST", fmt.Sprintf("/api/v1/orders/%d/submit", id), b.poToken, "")
	b.mustAnswerState("submit", resp, body, http.StatusAccepted, "unknown")
}

func TestReplaceOverHTTPRefusesALiveOrderAndASecondCopy(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	_, path := b.draft()
	b.submit(path)
	resp, body := b.api("POST", path+"/replace", b.poToken, "")
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "cancel it first") {
		t.Fatalf("replace a pending order: %d %s, want 409 saying to cancel it first", resp.StatusCode, body)
	}
	if resp, body := b.api("POST", path+"/cancel", b.poToken, `{"reason":"wrong organization"}`); resp.StatusCode != http.StatusOK {
		t.Fatalf("cancel: %d %s", resp.StatusCode, body)
	}
	const parallel = 20
	codes := make(chan int, parallel)
	for range parallel {
		go func() {
			req, _ := http.NewRequest("POST", b.ts.URL+path+"/replace", nil)
			req.Header.Set("Authorization", "Bearer "+b.poToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	count := map[int]int{}
	for range parallel {
		count[<-codes]++
	}
	if count[http.StatusCreated] != 1 || count[http.StatusConflict] != parallel-1 {
		t.Errorf("20 parallel replaces answered %v, want one 201 and nineteen 409", count)
	}
}

func TestAStaleSubmissionCanBeCancelledOverHTTPAtOnce(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	id := b.draftLeftAs(t, `state = 'submitting', submitting_since = now() - interval '5 minutes'`)
	resp, body := b.api("POST", fmt.Sprintf("/api/v1/orders/%d/cancel", id), b.poToken, `{"reason":"the portal crashed"}`)
	b.mustAnswerState("cancel a submission left by a crash", resp, body, http.StatusOK, "cancelled")
}

func TestAnEmptyChunkedSubmitBodyMeansNoOptions(t *testing.T) {
	t.Parallel()
	b := setupOrders(t)
	id, path := b.draft()
	for _, chunks := range []string{"0\r\n\r\n", "2\r\n \n\r\n0\r\n\r\n"} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(b.ts.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /api/v1/orders/%d/submit HTTP/1.1\r\nHost: portal\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n%s", id, b.poToken, chunks)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		conn.Close()
		// The first submits the draft; the second finds it submitted: a
		// 409 about the order, not a 400 about the body.
		if resp.StatusCode == http.StatusBadRequest {
			t.Errorf("chunked body %q: %d %s, want it read as no options", chunks, resp.StatusCode, out)
		}
	}
	_, body := b.api("GET", path, b.poToken, "")
	if st := decodeAs[map[string]any](t, body)["state"]; st != "pending" {
		t.Errorf("state %v after an empty chunked submit, want pending", st)
	}
}

// draftLeftAs is a new draft order whose row the SQL assignments set then
// change, as an earlier order or a crash mid-submission would leave it.
func (b *orderBundle) draftLeftAs(t *testing.T, set string) int64 {
	t.Helper()
	id, _ := b.draft()
	if _, err := b.pool.Exec(context.Background(), `UPDATE orders SET `+set+` WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return id
}
