package nettest_test

import (
	"errors"
	"net"
	"strconv"
	"syscall"
	"testing"

	"github.com/certportal/certportal/internal/nettest"
)

func TestAClosedPortRefusesConnectionsAndNoListenerCanTakeIt(t *testing.T) {
	t.Parallel()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(nettest.ClosedPort(t)))
	if c, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		if c != nil {
			c.Close()
		}
		t.Errorf("dialing %s: %v, want connection refused", addr, err)
	}
	if l, err := net.Listen("tcp", addr); !errors.Is(err, syscall.EADDRINUSE) {
		if l != nil {
			l.Close()
		}
		t.Errorf("listening on %s: %v, want address in use (the port is held)", addr, err)
	}
}
