package opensrstest

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// Fault is a failure the server can be told to produce for an action.
type Fault int

const (
	// FaultNone clears a fault.
	FaultNone Fault = iota
	// FaultRefuse stops accepting connections, so dials are refused and the
	// client can prove it sent nothing. A refusal happens before the server
	// can know the action, so it applies to every action while any action
	// has it set; Start must have been called.
	FaultRefuse
	// FaultTimeout reads the request, processes nothing and never answers;
	// the connection stays open until the client gives up.
	FaultTimeout
	// FaultDropAfterProcessing processes the request fully (an sw_register
	// creates its order) and then closes the connection without a reply:
	// the case exactly-once submission exists for.
	FaultDropAfterProcessing
	// FaultRateLimit answers 300 without processing.
	FaultRateLimit
)

func (f Fault) String() string {
	switch f {
	case FaultNone:
		return "none"
	case FaultRefuse:
		return "refuse"
	case FaultTimeout:
		return "timeout"
	case FaultDropAfterProcessing:
		return "drop-after-processing"
	case FaultRateLimit:
		return "rate-limit"
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// AnyAction, given to SetFault, applies the fault to every action.
const AnyAction = "*"

type faultSpec struct {
	fault     Fault
	remaining int // <= 0: until cleared
}

// setRefusing closes or reopens the listener. Open connections are closed
// too: a client reusing a keep-alive connection would otherwise still reach
// the server.
func (s *Server) setRefusing(refuse bool) error {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	if s.srv == nil || s.closed {
		return nil
	}
	if refuse {
		if s.ln == nil {
			return nil
		}
		err := s.ln.Close()
		s.ln = nil
		for c := range s.conns {
			c.Close()
		}
		return err
	}
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("opensrstest: reopen %s: %w", s.addr, err)
	}
	s.serve(ln)
	return nil
}

// SetFault makes every later call of action (or AnyAction) fail with f until
// cleared with FaultNone or ClearFaults. Action names are case-insensitive.
func (s *Server) SetFault(action string, f Fault) error {
	return s.SetFaultTimes(action, f, 0)
}

// SetFaultTimes is SetFault for the next n calls only (n <= 0: until
// cleared). FaultRefuse ignores n: it lasts until cleared, since refused
// connections never reach the code that would count them.
func (s *Server) SetFaultTimes(action string, f Fault, n int) error {
	action = strings.ToLower(action)
	if action == "" {
		action = AnyAction
	}
	s.mu.Lock()
	if f == FaultNone {
		delete(s.faults, action)
	} else {
		s.faults[action] = faultSpec{fault: f, remaining: n}
	}
	refuse := s.refusingLocked()
	s.mu.Unlock()
	return s.setRefusing(refuse)
}

// ClearFaults removes every fault and reopens the listener if it was
// refusing.
func (s *Server) ClearFaults() error {
	s.mu.Lock()
	clear(s.faults)
	s.mu.Unlock()
	return s.setRefusing(false)
}

func (s *Server) refusingLocked() bool {
	for _, f := range s.faults {
		if f.fault == FaultRefuse {
			return true
		}
	}
	return false
}

// takeFault returns the fault for action and uses up one of its counted
// occurrences.
func (s *Server) takeFault(action string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range []string{action, AnyAction} {
		spec, ok := s.faults[key]
		if !ok {
			continue
		}
		if spec.remaining > 0 {
			spec.remaining--
			if spec.remaining == 0 {
				delete(s.faults, key)
			} else {
				s.faults[key] = spec
			}
		}
		return spec.fault
	}
	return FaultNone
}

// drop closes the connection without a byte of reply.
func (s *Server) drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0) // reset, like a crashed server
			}
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // closes the connection without a response
}

// hang holds the connection open without answering until the client hangs
// up or the server closes.
func (s *Server) hang(w http.ResponseWriter, r *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		panic(http.ErrAbortHandler)
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		io.Copy(io.Discard, buf.Reader) // returns when the client closes
	}()
	select {
	case <-gone:
	case <-s.done:
	}
}
