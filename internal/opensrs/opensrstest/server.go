// Package opensrstest is an in-memory simulator of the OpenSRS trust_service
// XML API, faithful enough that the portal's client, its exactly-once order
// submission and its polling can be tested against it over real HTTP, and
// that `make run` can order certificates without a reseller account.
//
// It checks the reseller's username and double-MD5 signature, validates
// sw_register as the service documents (required fields, Thawte contact
// rules, CSR common name against the domain), keeps orders with their state
// history, and on completion issues a real certificate for the CSR's key from
// its own two-level test CA. Tests drive time by hand (Advance, SetState) and
// inject faults per action (SetFault) to exercise every way a call can end.
package opensrstest

import (
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/certportal/certportal/internal/opensrs"
)

// Options configures a Server.
type Options struct {
	Username string // reseller username expected in X-Username
	Key      string // reseller key the X-Signature is checked against
	// Addr is where Start listens; default 127.0.0.1:0.
	Addr string
	// WHOISEmails adds, per registrable domain, the registrant email that
	// query_approver_list offers beside the generic mailboxes.
	WHOISEmails map[string]string
	// AdvanceOnPoll moves an order one state forward on each get_order_info,
	// so a developer running the portal sees orders complete on their own.
	AdvanceOnPoll bool
	// FirstOrderID and FirstProductID are the numbers the first order and
	// the first product get (defaults 3000001 and 7000001). A simulator that
	// outlives its process must start past the ids already handed out, or
	// its new orders collide with old ones.
	FirstOrderID   int
	FirstProductID int
	// Now is the clock for state history and certificate validity.
	Now func() time.Time
	// Logger receives one line per request; nil discards.
	Logger *slog.Logger
}

// Server is the simulator. Its methods are safe for concurrent use.
type Server struct {
	opts Options
	ca   *testCA

	mu          sync.Mutex // guards everything below up to net fields
	orders      map[string]*order
	byProduct   map[string]*order
	nextOrder   int
	nextProduct int
	calls       map[string]int
	faults      map[string]faultSpec

	netMu   sync.Mutex // guards the listener state
	srv     *http.Server
	ln      net.Listener
	addr    string
	conns   map[net.Conn]struct{}
	closed  bool
	serving sync.WaitGroup
	done    chan struct{} // closed by Close; releases hung handlers
}

// New returns a simulator with a fresh test CA. It panics only if key
// generation fails, which crypto/rand does not on supported systems.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	ca, err := newTestCA(opts.Now())
	if err != nil {
		panic(fmt.Sprintf("opensrstest: create test CA: %v", err))
	}
	if opts.FirstOrderID <= 0 {
		opts.FirstOrderID = 3000001
	}
	if opts.FirstProductID <= 0 {
		opts.FirstProductID = 7000001
	}
	return &Server{
		opts:        opts,
		ca:          ca,
		orders:      map[string]*order{},
		byProduct:   map[string]*order{},
		nextOrder:   opts.FirstOrderID,
		nextProduct: opts.FirstProductID,
		calls:       map[string]int{},
		faults:      map[string]faultSpec{},
		conns:       map[net.Conn]struct{}{},
		done:        make(chan struct{}),
	}
}

// Start listens on Options.Addr (loopback, any port by default) and serves
// in the background.
func (s *Server) Start() error {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	if s.srv != nil {
		return errors.New("opensrstest: already started")
	}
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("opensrstest: listen: %w", err)
	}
	s.addr = ln.Addr().String()
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ConnState:         s.trackConn,
	}
	s.serve(ln)
	return nil
}

func (s *Server) serve(ln net.Listener) {
	s.ln = ln
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		_ = s.srv.Serve(ln) // returns when the listener closes
	}()
}

func (s *Server) trackConn(c net.Conn, state http.ConnState) {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	switch state {
	case http.StateNew:
		s.conns[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(s.conns, c)
	}
}

// URL is the base URL to give opensrs.Client, once started.
func (s *Server) URL() string {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	return "http://" + s.addr
}

// Close stops the server and releases every hung request.
func (s *Server) Close() error {
	s.netMu.Lock()
	if s.closed {
		s.netMu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	srv := s.srv
	s.netMu.Unlock()
	var err error
	if srv != nil {
		err = srv.Close()
		s.serving.Wait()
	}
	return err
}

// Calls is how many authenticated, well-formed requests for action have
// arrived, whatever was then done with them (faults included).
func (s *Server) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[strings.ToLower(action)]
}

// RootCertificate is the test CA's root, to trust in tests.
func (s *Server) RootCertificate() *x509.Certificate { return s.ca.root }

// IntermediateCertificate is the CA certificate that signs leaves.
func (s *Server) IntermediateCertificate() *x509.Certificate { return s.ca.intermediate }

// reply is one answer inside the envelope.
type reply struct {
	ok    bool
	code  string
	text  string
	attrs map[string]any
}

func success(attrs map[string]any) reply {
	return reply{ok: true, code: opensrs.CodeSuccess, text: "Command completed successfully", attrs: attrs}
}

func failure(code, format string, args ...any) reply {
	return reply{code: code, text: fmt.Sprintf(format, args...)}
}

func missing(field string) reply {
	return failure(opensrs.CodeMissingField, "Missing required field: %s", field)
}

func invalid(field, format string, args ...any) reply {
	return failure(opensrs.CodeInvalidData, "Invalid value for field %s: %s", field, fmt.Sprintf(format, args...))
}

// Handler serves the API on any path, like the real endpoint. Used without
// Start, FaultRefuse can only drop the connection before reading, which a
// client sees as an unknown outcome rather than a refusal.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	refusing := s.refusingLocked()
	s.mu.Unlock()
	if refusing {
		s.drop(w)
		return
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, opensrs.MaxBodySize+1))
	if err != nil {
		s.drop(w)
		return
	}
	if len(body) > opensrs.MaxBodySize {
		s.write(w, r, failure(opensrs.CodeInvalidData, "Request too large"))
		return
	}
	// The signature covers the exact bytes; check it before parsing, as
	// nothing unauthenticated deserves a parser.
	user := r.Header.Get("X-Username")
	sig := r.Header.Get("X-Signature")
	if subtle.ConstantTimeCompare([]byte(user), []byte(s.opts.Username)) != 1 ||
		subtle.ConstantTimeCompare([]byte(sig), []byte(opensrs.Sign(body, s.opts.Key))) != 1 {
		s.log("authentication failed", "username", user)
		s.write(w, r, failure(opensrs.CodeAuthentication, "Authentication Error."))
		return
	}
	v, err := opensrs.Unmarshal(body)
	if err != nil {
		s.write(w, r, failure(opensrs.CodeInvalidData, "Unable to parse request: %v", err))
		return
	}
	data, _ := v.(map[string]any)
	action := strings.ToLower(strings.TrimSpace(stringAt(data, "action")))
	object := strings.ToLower(strings.TrimSpace(stringAt(data, "object")))
	attrs, _ := data["attributes"].(map[string]any)
	if attrs == nil {
		attrs = map[string]any{}
	}
	handle, known := s.actions()[action]
	if object != opensrs.ObjectTrustService || !known {
		s.log("invalid command", "action", action, "object", object)
		s.write(w, r, failure(opensrs.CodeInvalidCommand, "Invalid command: %s %s", action, object))
		return
	}

	s.mu.Lock()
	s.calls[action]++
	s.mu.Unlock()

	fault := s.takeFault(action)
	s.log("request", "action", action, "fault", fault)
	switch fault {
	case FaultTimeout:
		s.hang(w, r)
		return
	case FaultRateLimit:
		s.write(w, r, failure(opensrs.CodeMaxCommandRate, "Maximum command rate exceeded"))
		return
	case FaultRefuse:
		s.drop(w)
		return
	}
	rep := handle(attrs)
	if fault == FaultDropAfterProcessing {
		s.drop(w)
		return
	}
	s.write(w, r, rep)
}

func (s *Server) actions() map[string]func(map[string]any) reply {
	return map[string]func(map[string]any) reply{
		"sw_register":          s.swRegister,
		"get_order_info":       s.getOrderInfo,
		"get_cert":             s.getCert,
		"query_approver_list":  s.queryApproverList,
		"cancel_order":         s.cancelOrder,
		"resend_approve_email": s.resendApproveEmail,
		"parse_csr":            s.parseCSR,
	}
}

func (s *Server) log(msg string, args ...any) {
	if s.opts.Logger != nil {
		s.opts.Logger.Info("opensrstest: "+msg, args...)
	}
}

// write sends the envelope with HTTP 200 and a Content-Length, as the PHP
// toolkit insists on both.
func (s *Server) write(w http.ResponseWriter, r *http.Request, rep reply) {
	isSuccess := "0"
	if rep.ok {
		isSuccess = "1"
	}
	data := map[string]any{
		"protocol":      "XCP",
		"action":        "REPLY",
		"object":        "TRUST_SERVICE",
		"is_success":    isSuccess,
		"response_code": rep.code,
		"response_text": rep.text,
	}
	if rep.attrs != nil {
		data["attributes"] = rep.attrs
	}
	body, err := opensrs.Marshal(data)
	if err != nil {
		body, _ = opensrs.Marshal(map[string]any{
			"protocol": "XCP", "action": "REPLY", "object": "TRUST_SERVICE",
			"is_success": "0", "response_code": opensrs.CodeInternalError, "response_text": "Internal error",
		})
	}
	// net/http answers an HTTP/1.0 request with an HTTP/1.0 status line,
	// which the PHP toolkit rejects; the real service always says HTTP/1.1.
	if r.ProtoMajor == 1 && r.ProtoMinor == 0 {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, buf, err := hj.Hijack(); err == nil {
				defer conn.Close()
				fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", len(body))
				buf.Write(body)
				buf.Flush()
				return
			}
		}
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

func stringAt(m map[string]any, key string) string {
	v, _ := m[key].(string)
	return v
}
