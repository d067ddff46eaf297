package ssllabs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is the production v4 API.
const DefaultBaseURL = "https://api.ssllabs.com/api/v4/"

// Defaults for Config's zero fields. The polling intervals are the documented ones.
const (
	DefaultDNSPoll        = 5 * time.Second
	DefaultProgressPoll   = 10 * time.Second
	DefaultRateLimitWait  = 30 * time.Second
	DefaultCapacityWait   = 30 * time.Second
	DefaultMaxRetries     = 5
	DefaultMaxBodyBytes   = 8 << 20
	DefaultMaxJSONDepth   = 64
	defaultUserAgent      = "certportal-ssllabs/1"
	unavailableMinMinutes = 15
	unavailableJitterMins = 15
)

// Errors a caller may want to tell apart.
var (
	// ErrUnregistered: the API does not know the email header (HTTP 441 in the v4
	// documentation; HTTP 400 with errors[0].field "email" from the live service).
	ErrUnregistered = errors.New("ssllabs: email is not registered for API v4")
	// ErrNoCapacity: the service says this client may run no assessments at all
	// (X-Max-Assessments <= 0); the official client stops there too.
	ErrNoCapacity = errors.New("ssllabs: the service allows this client no assessments (X-Max-Assessments <= 0)")
	// ErrTooLarge and ErrTooDeep guard against a broken or hostile answer.
	ErrTooLarge = errors.New("ssllabs: response body too large")
	ErrTooDeep  = errors.New("ssllabs: response JSON nested too deeply")
)

// Config configures a Client. Only Email is required.
type Config struct {
	// BaseURL of the API, ending in /api/v4/. Zero means DefaultBaseURL.
	BaseURL string
	// Email is the organisation email registered for v4, sent as the `email` header.
	Email string
	// UserAgent sent with every request.
	UserAgent string
	// HTTP client; nil means one with a 60 s timeout per request.
	HTTP *http.Client

	// Polling intervals while the host is in DNS and IN_PROGRESS.
	DNSPoll, ProgressPoll time.Duration
	// RateLimitWait is the back-off after a 429 before the call is retried.
	RateLimitWait time.Duration
	// CapacityWait is how long to wait before re-checking when the account is at
	// X-Max-Assessments and no new assessment may start.
	CapacityWait time.Duration
	// UnavailableWait returns the wait after a 503 or 529. Nil means 15 min plus a random
	// 0–15 min, as the documentation and the official client do.
	UnavailableWait func() time.Duration
	// MaxRetries bounds the retries of one call after 429/503/529 (default 5).
	MaxRetries int
	// MaxBodyBytes and MaxJSONDepth bound what is read from the service.
	MaxBodyBytes int64
	MaxJSONDepth int
	// Sleep waits d or until ctx ends; tests replace it to record the waits. Nil means a
	// timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now gives the time recorded on results; nil means time.Now.
	Now func() time.Time
}

// Client talks to the SSL Labs API. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base *url.URL
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Email) == "" {
		return nil, errors.New("ssllabs: config: email is required (the organisation email registered for API v4)")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("ssllabs: config: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 60 * time.Second}
	}
	setDefault(&cfg.DNSPoll, DefaultDNSPoll)
	setDefault(&cfg.ProgressPoll, DefaultProgressPoll)
	setDefault(&cfg.RateLimitWait, DefaultRateLimitWait)
	setDefault(&cfg.CapacityWait, DefaultCapacityWait)
	if cfg.UnavailableWait == nil {
		cfg.UnavailableWait = DefaultUnavailableWait
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxJSONDepth <= 0 {
		cfg.MaxJSONDepth = DefaultMaxJSONDepth
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{cfg: cfg, base: base}, nil
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// DefaultUnavailableWait is 15 minutes plus a random 0–15 minutes: the documented wait
// after 503 (about 15 min) and 529 (about 30 min, with a random component).
func DefaultUnavailableWait() time.Duration {
	return time.Duration(unavailableMinMinutes)*time.Minute +
		time.Duration(rand.Int64N(int64(unavailableJitterMins)*int64(time.Minute)))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Info is the `info` answer plus the capacity headers of that answer.
type Info struct {
	EngineVersion        string   `json:"engineVersion"`
	CriteriaVersion      string   `json:"criteriaVersion"`
	MaxAssessments       int      `json:"maxAssessments"`
	CurrentAssessments   int      `json:"currentAssessments"`
	NewAssessmentCoolOff int64    `json:"newAssessmentCoolOff"`
	Messages             []string `json:"messages"`
}

// Info calls `info`. MaxAssessments and CurrentAssessments are taken from the
// X-Max-Assessments / X-Current-Assessments headers when present, since those are what
// the service enforces.
func (c *Client) Info(ctx context.Context) (Info, error) {
	body, hdr, err := c.get(ctx, "info", nil)
	if err != nil {
		return Info{}, err
	}
	var info Info
	if err := decodeBounded(body, c.cfg.MaxJSONDepth, &info); err != nil {
		return Info{}, fmt.Errorf("ssllabs: info: %w", err)
	}
	if v, ok := headerInt(hdr, "X-Max-Assessments"); ok {
		info.MaxAssessments = v
	}
	if v, ok := headerInt(hdr, "X-Current-Assessments"); ok {
		info.CurrentAssessments = v
	}
	return info, nil
}

// Assess runs one fresh assessment of host and waits for its end. A host the service
// could not assess comes back as a Result with Status "ERROR" and a nil error.
func (c *Client) Assess(ctx context.Context, host string) (*Result, error) {
	host = strings.TrimSpace(host)
	if host == "" {
		return nil, errors.New("ssllabs: assess: host is empty")
	}
	if err := c.waitForCapacity(ctx); err != nil {
		return nil, fmt.Errorf("ssllabs: assess %s: %w", host, err)
	}
	q := url.Values{"host": {host}, "startNew": {"on"}, "all": {"done"}}
	for {
		body, _, err := c.get(ctx, "analyze", q)
		if err != nil {
			return nil, fmt.Errorf("ssllabs: assess %s: %w", host, err)
		}
		h, err := DecodeHost(body, c.cfg.MaxJSONDepth)
		if err != nil {
			return nil, fmt.Errorf("ssllabs: assess %s: %w", host, err)
		}
		var wait time.Duration
		switch h.Status {
		case StatusReady, StatusError:
			return newResult(h, body, c.cfg.Now()), nil
		case StatusDNS:
			wait = c.cfg.DNSPoll
		case StatusInProgress:
			wait = c.cfg.ProgressPoll
		default:
			return nil, fmt.Errorf("ssllabs: assess %s: unknown status %q", host, h.Status)
		}
		// startNew only on the first call: repeating it would restart the assessment.
		q = url.Values{"host": {host}, "all": {"done"}}
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("ssllabs: assess %s: %w", host, err)
		}
	}
}

// waitForCapacity asks `info` until the account runs fewer assessments than it may.
func (c *Client) waitForCapacity(ctx context.Context) error {
	for {
		info, err := c.Info(ctx)
		if err != nil {
			return err
		}
		if info.MaxAssessments <= 0 {
			return ErrNoCapacity
		}
		if info.CurrentAssessments < info.MaxAssessments {
			return nil
		}
		if err := c.cfg.Sleep(ctx, c.cfg.CapacityWait); err != nil {
			return err
		}
	}
}

// APIError is an answer the client does not retry: a 400 with the service's field errors,
// or an unexpected status.
type APIError struct {
	Status int
	Errors []FieldError
}

// FieldError is one entry of the service's `errors` array.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	if len(e.Errors) == 0 {
		return fmt.Sprintf("ssllabs: HTTP %d", e.Status)
	}
	parts := make([]string, 0, len(e.Errors))
	for _, fe := range e.Errors {
		parts = append(parts, fe.Field+": "+fe.Message)
	}
	return fmt.Sprintf("ssllabs: HTTP %d: %s", e.Status, strings.Join(parts, "; "))
}

// get calls one endpoint, retrying 429 after RateLimitWait and 503/529 after
// UnavailableWait, at most MaxRetries times.
func (c *Client) get(ctx context.Context, endpoint string, q url.Values) ([]byte, http.Header, error) {
	u := *c.base
	u.Path += endpoint
	u.RawQuery = q.Encode()
	for attempt := 0; ; attempt++ {
		body, hdr, status, err := c.do(ctx, u.String())
		if err != nil {
			return nil, nil, err
		}
		if v, ok := headerInt(hdr, "X-Max-Assessments"); ok && v <= 0 && status == http.StatusOK {
			return nil, nil, ErrNoCapacity
		}
		var wait time.Duration
		switch status {
		case http.StatusOK:
			return body, hdr, nil
		case http.StatusTooManyRequests:
			wait = c.cfg.RateLimitWait
		case http.StatusServiceUnavailable, 529:
			wait = c.cfg.UnavailableWait()
		case 441:
			return nil, nil, ErrUnregistered
		default:
			apiErr := &APIError{Status: status}
			var env struct {
				Errors []FieldError `json:"errors"`
			}
			if decodeBounded(body, c.cfg.MaxJSONDepth, &env) == nil {
				apiErr.Errors = env.Errors
			}
			if status == http.StatusBadRequest && len(apiErr.Errors) > 0 && apiErr.Errors[0].Field == "email" {
				return nil, nil, fmt.Errorf("%w (%s)", ErrUnregistered, apiErr.Errors[0].Message)
			}
			return nil, nil, fmt.Errorf("%s: %w", endpoint, apiErr)
		}
		if attempt >= c.cfg.MaxRetries {
			return nil, nil, fmt.Errorf("%s: HTTP %d after %d retries", endpoint, status, attempt)
		}
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return nil, nil, err
		}
	}
}

func (c *Client) do(ctx context.Context, u string) ([]byte, http.Header, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("email", c.cfg.Email)
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("Accept", "application/json")
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, nil, 0, ctxErr
		}
		return nil, nil, 0, fmt.Errorf("request: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBodyBytes+1))
	if err != nil {
		return nil, nil, 0, fmt.Errorf("read response: %w", err)
	}
	if int64(len(body)) > c.cfg.MaxBodyBytes {
		return nil, nil, 0, fmt.Errorf("%w (more than %d bytes)", ErrTooLarge, c.cfg.MaxBodyBytes)
	}
	return body, resp.Header, resp.StatusCode, nil
}

func headerInt(h http.Header, name string) (int, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, false
	}
	return n, true
}
