package opensrs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
)

// Endpoints the service publishes. Port 55443 is the XML API.
const (
	LiveURL = "https://rr-n1-tor.opensrs.net:55443"
	TestURL = "https://horizon.opensrs.net:55443"
)

// ObjectTrustService is the OPS object of every certificate action.
const ObjectTrustService = "trust_service"

// Client calls the OpenSRS XML API. The zero HTTP field means
// http.DefaultClient; give it a Timeout or pass contexts with deadlines,
// since a hung connection otherwise waits forever.
type Client struct {
	URL      string
	Username string
	// Key is the reseller's private key. It signs requests and is never
	// sent, printed or logged: String, GoString and LogValue hide it.
	Key  string
	HTTP *http.Client
}

// String describes the client without its key.
func (c Client) String() string {
	return fmt.Sprintf("opensrs.Client{URL: %q, Username: %q, Key: %s}", c.URL, c.Username, redacted(c.Key))
}

// GoString keeps %#v from printing the key.
func (c Client) GoString() string { return c.String() }

// LogValue keeps slog from printing the key.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("url", c.URL),
		slog.String("username", c.Username),
		slog.String("key", redacted(c.Key)),
	)
}

func redacted(key string) string {
	if key == "" {
		return "[unset]"
	}
	return "[redacted]"
}

// Response is a decoded reply whose envelope was well formed.
type Response struct {
	IsSuccess    bool
	ResponseCode int
	ResponseText string
	// Attributes is the reply's attributes assoc; never nil.
	Attributes map[string]any
	// Data is the whole data_block, for fields outside attributes.
	Data map[string]any
}

// Do sends one action and returns the service's reply.
//
// Errors, by what they mean for a retry:
//   - NotSent(err): the request never left; retrying is safe.
//   - OutcomeUnknown(err): it may have been processed; reconcile first.
//   - *APIError (also returned with the Response): the service answered
//     is_success=0; IsRateLimited tells whether waiting helps.
func (c *Client) Do(ctx context.Context, action, object string, attrs map[string]any) (*Response, error) {
	if attrs == nil {
		attrs = map[string]any{}
	}
	body, err := Marshal(map[string]any{
		"protocol":   "XCP",
		"action":     action,
		"object":     object,
		"attributes": attrs,
	})
	if err != nil {
		// Nothing can have left: the request was never built. Name the
		// attribute as the caller sent it, without the envelope's own keys.
		var ee *EncodeError
		if errors.As(err, &ee) {
			ee.Path = strings.TrimPrefix(ee.Path, "attributes.")
		}
		return nil, &TransportError{Action: action, Err: fmt.Errorf("encode: %w", err)}
	}

	// written turns true as soon as any part of the request may be on the
	// wire. The transport buffers the request line and headers, and each
	// header field is reported as it enters that buffer, so while written is
	// false not one byte has left the process.
	var written atomic.Bool
	trace := &httptrace.ClientTrace{
		WroteHeaderField: func(string, []string) { written.Store(true) },
		WroteHeaders:     func() { written.Store(true) },
		WroteRequest:     func(httptrace.WroteRequestInfo) { written.Store(true) },
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, &TransportError{Action: action, Err: fmt.Errorf("build request: %w", err)}
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("X-Username", c.Username)
	req.Header.Set("X-Signature", Sign(body, c.Key))
	req.Header.Set("Content-Length", strconv.Itoa(len(body)))
	req.ContentLength = int64(len(body))

	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		// A dial error is final even if a first attempt had buffered
		// headers: the transport only redials a POST when nothing of it
		// was written.
		sent := written.Load() && !isDialError(err)
		return nil, &TransportError{Action: action, Sent: sent, Err: scrubURL(err)}
	}
	defer resp.Body.Close()

	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodySize+1))
	if err != nil {
		return nil, &TransportError{Action: action, Sent: true, StatusCode: statusIfError(resp), Err: fmt.Errorf("read reply: %w", err)}
	}
	if len(raw) > MaxBodySize {
		return nil, &TransportError{Action: action, Sent: true, StatusCode: statusIfError(resp), Err: fmt.Errorf("reply over %d bytes", MaxBodySize)}
	}

	// The PHP toolkit reads the envelope whatever the HTTP status, and so do
	// we: a 200 with an error envelope and an error status with a valid
	// envelope both carry the service's real answer.
	r, derr := decodeResponse(raw)
	if derr != nil {
		if resp.StatusCode != http.StatusOK {
			return nil, &TransportError{Action: action, Sent: true, StatusCode: resp.StatusCode, Err: errors.New(http.StatusText(resp.StatusCode))}
		}
		return nil, &TransportError{Action: action, Sent: true, Err: derr}
	}
	if !r.IsSuccess {
		code := strconv.Itoa(r.ResponseCode)
		return r, &APIError{Action: action, Code: code, Text: r.ResponseText, Field: fieldFromText(r.ResponseText)}
	}
	return r, nil
}

func statusIfError(resp *http.Response) int {
	if resp.StatusCode == http.StatusOK {
		return 0
	}
	return resp.StatusCode
}

// scrubURL drops the *url.Error wrapper net/http adds, which only repeats
// the method and URL the caller already knows.
func scrubURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("post: %w", ue.Err)
	}
	return err
}

func decodeResponse(raw []byte) (*Response, error) {
	v, err := Unmarshal(raw)
	if err != nil {
		return nil, err
	}
	data, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: data_block is not a dt_assoc", ErrEnvelope)
	}
	codeText, _ := data["response_code"].(string)
	code, err := strconv.Atoi(strings.TrimSpace(codeText))
	if err != nil {
		return nil, fmt.Errorf("%w: response_code %q is not a number", ErrEnvelope, truncate(codeText, 20))
	}
	success, _ := data["is_success"].(string)
	text, _ := data["response_text"].(string)
	attrs, _ := data["attributes"].(map[string]any)
	if attrs == nil {
		attrs = map[string]any{}
	}
	return &Response{
		IsSuccess:    strings.TrimSpace(success) == "1",
		ResponseCode: code,
		ResponseText: strings.TrimSpace(text),
		Attributes:   attrs,
		Data:         data,
	}, nil
}
