package acme_test

import (
	"testing"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/acme/acmetest"
)

type bundle struct {
	*acmetest.Portal
	svc *acme.Service
}

// setup is the portal's services over a fresh database, trusting ca's
// HTTPS and checking TXT records at its DNS server.
func setup(t testing.TB, ca *acmetest.CA) *bundle {
	t.Helper()
	p := acmetest.NewPortal(t, ca)
	return &bundle{Portal: p, svc: p.Set.ACME}
}
