// Package nettest holds loopback addresses that network tests of several
// packages share.
package nettest

import (
	"syscall"
	"testing"
)

// ClosedPort returns a loopback port on which connections are refused, and
// keeps it so until the test ends. A socket bound to the port without
// listening holds it: a port that was only found free (listen, note the
// port, close) can be taken by another test's listener before it is used,
// and the connection that should be refused then reaches that server.
func ClosedPort(t testing.TB) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("nettest: socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("nettest: bind a loopback port: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("nettest: getsockname: %v", err)
	}
	return sa.(*syscall.SockaddrInet4).Port
}
