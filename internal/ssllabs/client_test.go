package ssllabs_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/ssllabs"
	"github.com/certportal/certportal/internal/ssllabs/ssllabstest"
)

const email = "pki@agency.example"

// Distinct waits so the recorded sleeps say which rule made them.
const (
	dnsPoll      = 5 * time.Millisecond
	progressPoll = 10 * time.Millisecond
	rateWait     = 7 * time.Millisecond
	capacityWait = 3 * time.Millisecond
	unavailable  = 11 * time.Millisecond
)

type sleeps struct {
	mu  sync.Mutex
	got []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.got = append(s.got, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) list() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.got...)
}

func newClient(t *testing.T, srv *ssllabstest.Server, email string) (*ssllabs.Client, *sleeps) {
	t.Helper()
	rec := &sleeps{}
	c, err := ssllabs.New(ssllabs.Config{
		BaseURL: srv.BaseURL(), Email: email,
		DNSPoll: dnsPoll, ProgressPoll: progressPoll, RateLimitWait: rateWait, CapacityWait: capacityWait,
		UnavailableWait: func() time.Duration { return unavailable },
		Sleep:           rec.sleep,
	})
	if err != nil {
		t.Fatalf("ssllabs.New: %v", err)
	}
	return c, rec
}

func analyzeQueries(reqs []ssllabstest.Request) []string {
	var qs []string
	for _, r := range reqs {
		if strings.HasSuffix(r.Path, "/analyze") {
			qs = append(qs, r.Query)
		}
	}
	return qs
}

func TestAssessPollsAsDocumentedUntilEachOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		scenario    ssllabstest.Scenario
		wantStatus  string
		wantMessage string
		wantGrades  []string
		wantSleeps  []time.Duration
	}{
		{
			name:       "DNS then IN_PROGRESS then READY with two endpoints",
			scenario:   ssllabstest.Scenario{DNSPolls: 2, ProgressPolls: 2, Grades: []string{"A+", "B"}},
			wantStatus: ssllabs.StatusReady, wantMessage: "Ready", wantGrades: []string{"A+", "B"},
			wantSleeps: []time.Duration{dnsPoll, dnsPoll, progressPoll, progressPoll},
		},
		{
			name:       "ERROR is a result with the service's reason",
			scenario:   ssllabstest.Scenario{DNSPolls: 1, ProgressPolls: 1, Error: "Unable to connect to the server"},
			wantStatus: ssllabs.StatusError, wantMessage: "Unable to connect to the server",
			wantSleeps: []time.Duration{dnsPoll, progressPoll},
		},
		{
			name:       "READY at once needs no poll",
			scenario:   ssllabstest.Scenario{Grades: []string{"T"}},
			wantStatus: ssllabs.StatusReady, wantMessage: "Ready", wantGrades: []string{"T"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := ssllabstest.New(t, ssllabstest.Options{Email: email, Hosts: map[string]ssllabstest.Scenario{"www.example.com": tt.scenario}})
			c, rec := newClient(t, srv, email)
			res, err := c.Assess(context.Background(), "www.example.com")
			if err != nil {
				t.Fatalf("Assess: %v", err)
			}
			if res.Status != tt.wantStatus || res.StatusMessage != tt.wantMessage {
				t.Errorf("status = %q %q, want %q %q", res.Status, res.StatusMessage, tt.wantStatus, tt.wantMessage)
			}
			var grades []string
			for _, e := range res.Endpoints {
				grades = append(grades, e.Grade)
				if len(e.Details) == 0 || !json.Valid(e.Details) {
					t.Errorf("endpoint %s has no details JSON", e.IPAddress)
				}
			}
			if strings.Join(grades, ",") != strings.Join(tt.wantGrades, ",") {
				t.Errorf("grades = %v, want %v", grades, tt.wantGrades)
			}
			if !slices.Equal(rec.list(), tt.wantSleeps) {
				t.Errorf("sleeps = %v, want %v", rec.list(), tt.wantSleeps)
			}
			if res.FinishedAt.IsZero() || res.TestTime.IsZero() || res.StartTime.IsZero() {
				t.Errorf("times not kept: start %v test %v finished %v", res.StartTime, res.TestTime, res.FinishedAt)
			}
			var raw map[string]any
			if err := json.Unmarshal(res.Raw, &raw); err != nil || raw["status"] != tt.wantStatus {
				t.Errorf("raw JSON = %s (%v), want the final answer", res.Raw, err)
			}
			qs := analyzeQueries(srv.Requests())
			if len(qs) != len(tt.wantSleeps)+1 {
				t.Fatalf("analyze calls = %d, want %d", len(qs), len(tt.wantSleeps)+1)
			}
			for i, q := range qs {
				if got, want := strings.Contains(q, "startNew=on"), i == 0; got != want {
					t.Errorf("analyze call %d (%s): startNew present = %v, want %v", i, q, got, want)
				}
				if !strings.Contains(q, "all=done") {
					t.Errorf("analyze call %d (%s) lacks all=done", i, q)
				}
			}
			for _, r := range srv.Requests() {
				if r.Email != email {
					t.Errorf("%s sent email header %q, want %q", r.Path, r.Email, email)
				}
			}
		})
	}
}

func TestAssessRetriesAfterRateLimitAndOutages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		faults     []int
		wantSleeps []time.Duration
	}{
		{name: "429 once backs off and retries", faults: []int{http.StatusTooManyRequests}, wantSleeps: []time.Duration{rateWait}},
		{name: "529 overloaded waits the long pause", faults: []int{529}, wantSleeps: []time.Duration{unavailable}},
		{name: "503 down waits the long pause", faults: []int{http.StatusServiceUnavailable}, wantSleeps: []time.Duration{unavailable}},
		{name: "mixed faults each get their own wait", faults: []int{503, 429, 529}, wantSleeps: []time.Duration{unavailable, rateWait, unavailable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := ssllabstest.New(t, ssllabstest.Options{Email: email, Hosts: map[string]ssllabstest.Scenario{"www.example.com": {}}})
			c, rec := newClient(t, srv, email)
			srv.Fail(tt.faults...)
			res, err := c.Assess(context.Background(), "www.example.com")
			if err != nil {
				t.Fatalf("Assess: %v", err)
			}
			if res.Status != ssllabs.StatusReady {
				t.Errorf("status = %q, want READY", res.Status)
			}
			if !slices.Equal(rec.list(), tt.wantSleeps) {
				t.Errorf("sleeps = %v, want %v", rec.list(), tt.wantSleeps)
			}
		})
	}
}

func TestAssessGivesUpAfterMaxRetries(t *testing.T) {
	t.Parallel()
	srv := ssllabstest.New(t, ssllabstest.Options{Email: email, Hosts: map[string]ssllabstest.Scenario{"www.example.com": {}}})
	c, _ := newClient(t, srv, email)
	srv.Fail(429, 429, 429, 429, 429, 429, 429)
	_, err := c.Assess(context.Background(), "www.example.com")
	if err == nil || !strings.Contains(err.Error(), "HTTP 429 after 5 retries") {
		t.Fatalf("Assess err = %v, want it to give up after 5 retries", err)
	}
}

func TestAssessWaitsWhileAccountIsAtMaxAssessments(t *testing.T) {
	t.Parallel()
	srv := ssllabstest.New(t, ssllabstest.Options{Email: email, BusyAnswers: 2, Hosts: map[string]ssllabstest.Scenario{"www.example.com": {}}})
	c, rec := newClient(t, srv, email)
	if _, err := c.Assess(context.Background(), "www.example.com"); err != nil {
		t.Fatalf("Assess: %v", err)
	}
	if want := []time.Duration{capacityWait, capacityWait}; !slices.Equal(rec.list(), want) {
		t.Errorf("sleeps = %v, want %v", rec.list(), want)
	}
	reqs := srv.Requests()
	for i, r := range reqs[:3] {
		if !strings.HasSuffix(r.Path, "/info") {
			t.Errorf("request %d = %s, want info while the account is full", i, r.Path)
		}
	}
	if !strings.Contains(reqs[3].Query, "startNew=on") {
		t.Errorf("request 3 = %s?%s, want the startNew analyze", reqs[3].Path, reqs[3].Query)
	}
}

func TestAssessRefusesWithoutCapacity(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Max-Assessments", "0")
		w.Header().Set("X-Current-Assessments", "0")
		_, _ = w.Write([]byte(`{"maxAssessments":0,"currentAssessments":0}`))
	}))
	t.Cleanup(srv.Close)
	c, err := ssllabs.New(ssllabs.Config{BaseURL: srv.URL + "/api/v4", Email: email, Sleep: (&sleeps{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Assess(context.Background(), "www.example.com"); !errors.Is(err, ssllabs.ErrNoCapacity) {
		t.Fatalf("Assess err = %v, want ErrNoCapacity", err)
	}
}

func TestAssessWithUnregisteredEmailFails(t *testing.T) {
	t.Parallel()
	srv := ssllabstest.New(t, ssllabstest.Options{Email: email})
	c, _ := newClient(t, srv, "someone@else.example")
	_, err := c.Assess(context.Background(), "www.example.com")
	if !errors.Is(err, ssllabs.ErrUnregistered) {
		t.Fatalf("Assess err = %v, want ErrUnregistered", err)
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r.Query, "startNew") {
			t.Errorf("an assessment was started with an unregistered email: %s", r.Query)
		}
	}
}

func TestAssessStopsWhenContextIsCancelled(t *testing.T) {
	t.Parallel()
	srv := ssllabstest.New(t, ssllabstest.Options{Email: email, Hosts: map[string]ssllabstest.Scenario{"www.example.com": {ProgressPolls: 1000}}})
	ctx, cancel := context.WithCancel(context.Background())
	polls := 0
	c, err := ssllabs.New(ssllabs.Config{
		BaseURL: srv.BaseURL(), Email: email,
		Sleep: func(ctx context.Context, d time.Duration) error {
			polls++
			if polls == 3 {
				cancel()
			}
			return ctx.Err()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Assess(ctx, "www.example.com")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Assess err = %v, want context.Canceled", err)
	}
	before := len(srv.Requests())
	if got := len(analyzeQueries(srv.Requests())); got != 3 {
		t.Errorf("analyze calls = %d, want 3 (none after cancel)", got)
	}
	time.Sleep(20 * time.Millisecond)
	if after := len(srv.Requests()); after != before {
		t.Errorf("requests went on after cancel: %d then %d", before, after)
	}
}

func TestAssessRealSleepHonoursCancel(t *testing.T) {
	t.Parallel()
	srv := ssllabstest.New(t, ssllabstest.Options{Email: email, Hosts: map[string]ssllabstest.Scenario{"www.example.com": {DNSPolls: 1000}}})
	c, err := ssllabs.New(ssllabs.Config{BaseURL: srv.BaseURL(), Email: email, DNSPoll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Assess(ctx, "www.example.com"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Assess err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Assess took %v after its deadline", d)
	}
}

func TestAssessRejectsOversizedAndTooDeepAnswers(t *testing.T) {
	t.Parallel()
	deep := `{"status":"READY","x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`
	big := `{"status":"READY","pad":"` + strings.Repeat("a", 4096) + `"}`
	tests := []struct {
		name, body string
		want       error
	}{
		{"too deep", deep, ssllabs.ErrTooDeep},
		{"too large", big, ssllabs.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Max-Assessments", "25")
				if strings.HasSuffix(r.URL.Path, "/info") {
					_, _ = w.Write([]byte(`{"maxAssessments":25}`))
					return
				}
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			c, err := ssllabs.New(ssllabs.Config{BaseURL: srv.URL + "/api/v4/", Email: email, MaxBodyBytes: 1024, MaxJSONDepth: 32})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Assess(context.Background(), "www.example.com"); !errors.Is(err, tt.want) {
				t.Fatalf("Assess err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNewRequiresEmailAndAValidBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  ssllabs.Config
		want string
	}{
		{"no email", ssllabs.Config{}, "email is required"},
		{"bad base URL", ssllabs.Config{Email: email, BaseURL: "ftp://x"}, "base URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := ssllabs.New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestDefaultUnavailableWaitIsFifteenToThirtyMinutes(t *testing.T) {
	t.Parallel()
	for range 200 {
		d := ssllabs.DefaultUnavailableWait()
		if d < 15*time.Minute || d >= 30*time.Minute {
			t.Fatalf("DefaultUnavailableWait = %v, want within [15m, 30m)", d)
		}
	}
}

func FuzzDecodeHost(f *testing.F) {
	f.Add([]byte(`{"host":"a.example","status":"READY","endpoints":[{"ipAddress":"192.0.2.1","grade":"A+","details":{"protocols":[]}}]}`))
	f.Add([]byte(`{"status":"DNS","statusMessage":"Resolving domain names","startTime":1424965787916,"testTime":null,"endpoints":null}`))
	f.Add([]byte(`{"status":"ERROR","statusMessage":"Unable to resolve domain name"}`))
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]`))
	f.Add([]byte(`{"status":"READY","endpoints":[{"grade":"\"}{["}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ssllabs.DecodeHost(data, 16)
		if err != nil {
			return
		}
		if h.Status == "" {
			t.Fatalf("decoded a host without status from %q", data)
		}
		// Whatever decodes must be JSON of at most the allowed depth.
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
	})
}
