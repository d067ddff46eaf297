// Package ssllabstest is an in-test fake of the SSL Labs API v4 that answers as the API
// documentation says: `info`, `analyze` with startNew/all, host statuses DNS →
// IN_PROGRESS → READY or ERROR, the `email` header (HTTP 400 with errors[0].field
// "email" for an unknown one, as the live service does), the X-Max-Assessments /
// X-Current-Assessments headers, and injected 429, 503 and 529 answers.
package ssllabstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Scenario says how the assessment of one host goes.
type Scenario struct {
	// DNSPolls and ProgressPolls are how many analyze answers (the startNew one included)
	// report DNS, then IN_PROGRESS, before the final status.
	DNSPolls, ProgressPolls int
	// Error ends the assessment in ERROR with this statusMessage instead of READY.
	Error string
	// Grades holds one grade per endpoint (default: one endpoint graded "A").
	Grades []string
}

// Options configures the fake.
type Options struct {
	// Email is the registered organisation email; other values get HTTP 400.
	Email string
	// Hosts maps host names to scenarios; an unknown host resolves nowhere and ends in
	// ERROR "Unable to resolve domain name".
	Hosts map[string]Scenario
	// MaxAssessments is X-Max-Assessments (default 25).
	MaxAssessments int
	// BusyAnswers is how many answers first report X-Current-Assessments equal to
	// MaxAssessments (the account is full).
	BusyAnswers int
}

// Request is what the fake saw of one call.
type Request struct {
	Path  string
	Query string
	Email string
	At    time.Time
}

// Server is a running fake.
type Server struct {
	*httptest.Server
	opts Options

	mu       sync.Mutex
	faults   []int
	requests []Request
	polls    map[string]int // analyze answers given per host since its startNew
	answers  int
	started  map[string]int64
}

// New starts a fake and stops it when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.MaxAssessments == 0 {
		opts.MaxAssessments = 25
	}
	s := &Server{opts: opts, polls: map[string]int{}, started: map[string]int64{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// BaseURL is the fake's API root, as Config.BaseURL wants it.
func (s *Server) BaseURL() string { return s.URL + "/api/v4/" }

// Fail makes the next len(statuses) calls answer with these HTTP statuses (429, 503, 529
// or anything else) instead of their normal answer.
func (s *Server) Fail(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, statuses...)
}

// Requests returns the calls seen so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Path: r.URL.Path, Query: r.URL.RawQuery, Email: r.Header.Get("email"), At: time.Now()})
	if len(s.faults) > 0 {
		status := s.faults[0]
		s.faults = s.faults[1:]
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"errors":[{"message":"injected HTTP %d"}]}`, status)
		return
	}
	if r.Method != http.MethodGet {
		writeJSON(w, http.StatusMethodNotAllowed, errorsBody("", "method not allowed"))
		return
	}
	if r.Header.Get("email") != s.opts.Email || s.opts.Email == "" {
		writeJSON(w, http.StatusBadRequest, errorsBody("email", "Email is not registered"))
		return
	}
	current := 0
	if s.answers < s.opts.BusyAnswers {
		current = s.opts.MaxAssessments
	}
	s.answers++
	w.Header().Set("X-Max-Assessments", strconv.Itoa(s.opts.MaxAssessments))
	w.Header().Set("X-Current-Assessments", strconv.Itoa(current))
	switch r.URL.Path {
	case "/api/v4/info":
		writeJSON(w, http.StatusOK, map[string]any{
			"engineVersion": "2.3.1", "criteriaVersion": "2009r",
			"maxAssessments": s.opts.MaxAssessments, "currentAssessments": current,
			"newAssessmentCoolOff": 1000, "messages": []string{"This is a fake SSL Labs API."},
		})
	case "/api/v4/analyze":
		s.analyze(w, r)
	default:
		writeJSON(w, http.StatusNotFound, errorsBody("", "not found"))
	}
}

func (s *Server) analyze(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	host := q.Get("host")
	if host == "" {
		writeJSON(w, http.StatusBadRequest, errorsBody("host", "qp.mandatory"))
		return
	}
	if q.Get("startNew") == "on" && q.Get("fromCache") == "on" {
		writeJSON(w, http.StatusBadRequest, errorsBody("startNew", "Parameters 'fromCache' and 'startNew' are mutually exclusive"))
		return
	}
	if q.Get("startNew") == "on" {
		s.polls[host] = 0
		s.started[host] = time.Now().UnixMilli()
	}
	start, ok := s.started[host]
	if !ok {
		writeJSON(w, http.StatusBadRequest, errorsBody("host", "no assessment of this host was started"))
		return
	}
	n := s.polls[host]
	s.polls[host] = n + 1
	sc, known := s.opts.Hosts[host]
	if !known {
		sc = Scenario{Error: "Unable to resolve domain name"}
	}
	writeJSON(w, http.StatusOK, hostJSON(host, sc, n, start, q.Get("all") != ""))
}

func hostJSON(host string, sc Scenario, poll int, start int64, all bool) map[string]any {
	h := map[string]any{
		"host": host, "port": 443, "protocol": "http", "isPublic": false,
		"startTime": start, "engineVersion": "2.3.1", "criteriaVersion": "2009r",
	}
	grades := sc.Grades
	if len(grades) == 0 {
		grades = []string{"A"}
	}
	switch {
	case poll < sc.DNSPolls:
		h["status"], h["statusMessage"] = "DNS", "Resolving domain names"
	case poll < sc.DNSPolls+sc.ProgressPolls:
		h["status"], h["statusMessage"] = "IN_PROGRESS", "In progress"
		var eps []any
		for i := range grades {
			eps = append(eps, map[string]any{
				"ipAddress": fmt.Sprintf("192.0.2.%d", 10+i), "serverName": host,
				"statusMessage": "In progress", "statusDetails": "TESTING_PROTOCOL_INTOL",
				"statusDetailsMessage": "Testing protocol intolerance", "progress": -1, "eta": -1, "delegation": 1,
			})
		}
		h["endpoints"] = eps
	case sc.Error != "":
		h["status"], h["statusMessage"] = "ERROR", sc.Error
		h["testTime"] = time.Now().UnixMilli()
	default:
		h["status"], h["statusMessage"] = "READY", "Ready"
		h["testTime"] = time.Now().UnixMilli()
		h["certHostnames"] = []string{host}
		var eps []any
		for i, g := range grades {
			ep := map[string]any{
				"ipAddress": fmt.Sprintf("192.0.2.%d", 10+i), "serverName": host,
				"statusMessage": "Ready", "grade": g, "gradeTrustIgnored": g,
				"hasWarnings": false, "isExceptional": g == "A+", "progress": 100,
				"duration": 61234, "delegation": 1,
			}
			if all {
				ep["details"] = details(g)
			}
			eps = append(eps, ep)
		}
		h["endpoints"] = eps
		h["certs"] = []any{map[string]any{
			"id": "8a1d3c0f", "subject": "CN=" + host, "commonNames": []string{host}, "altNames": []string{host},
			"notBefore": start - 86400000, "notAfter": start + 90*86400000, "issuerSubject": "CN=Fake Intermediate CA",
			"sigAlg": "SHA256withRSA", "keyAlg": "RSA", "keySize": 2048, "keyStrength": 2048,
		}}
	}
	return h
}

func details(grade string) map[string]any {
	hsts := map[string]any{"status": "absent", "maxAge": -1}
	if grade == "A+" {
		hsts = map[string]any{"status": "present", "maxAge": 63072000, "header": "max-age=63072000"}
	}
	return map[string]any{
		"hostStartTime": time.Now().UnixMilli(),
		"protocols": []any{
			map[string]any{"id": 771, "name": "TLS", "version": "1.2"},
			map[string]any{"id": 772, "name": "TLS", "version": "1.3"},
		},
		"suites": []any{map[string]any{"protocol": 771, "list": []any{
			map[string]any{"id": 49199, "name": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "cipherStrength": 128, "kxType": "ECDH", "namedGroupName": "x25519"},
		}}},
		"forwardSecrecy": 4, "supportsAead": true, "heartbleed": false, "vulnBeast": false,
		"poodle": false, "poodleTls": 1, "openSslCcs": 1, "bleichenbacher": 1, "ticketbleed": 1,
		"hstsPolicy": hsts,
	}
}

func errorsBody(field, msg string) map[string]any {
	return map[string]any{"errors": []any{map[string]any{"field": field, "message": msg}}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
