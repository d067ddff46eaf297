package acme

import (
	"context"
	"strings"

	"github.com/certportal/certportal/internal/errs"
)

// CheckOrder checks that names can be ordered with account accountID:
// the account exists (and validates organizations when ov), no name is
// under a reserved TLD unless the CA is private, and a wildcard is proved
// through DNS-01. Field names are the order form's.
func (s *Service) CheckOrder(ctx context.Context, accountID int64, names []string, ov bool) error {
	if accountID == 0 {
		return errs.Field("acme_account_id", "Choose the ACME account to order with.")
	}
	a, err := s.Account(ctx, accountID)
	if errs.CodeOf(err) == errs.NotFound {
		return errs.Field("acme_account_id", "There is no such ACME account.")
	}
	if err != nil {
		return err
	}
	f := errs.FieldErrors{}
	if ov && !a.OV {
		f.Add("acme_account_id", "This account's CA issues domain-validated certificates only: choose an account marked for OV, or a DV product.")
	}
	if msg := CheckReserved(names, a.PrivateCA); msg != "" {
		f.Add("csr_id", msg)
	}
	for _, n := range names {
		if !strings.HasPrefix(n, "*.") {
			continue
		}
		c, err := s.DNSCredentialsFor(ctx, n)
		if err != nil {
			return err
		}
		if c != nil && c.Provider == MethodHTTP01 {
			f.Add("csr_id", n+" is a wildcard, which only DNS-01 proves, and "+c.Domain+" is set to http-01: set a DNS provider or manual DNS for it.")
		}
	}
	return f.Err()
}

// ReplacesFor is the ARI id of the certificate the portal order orderID
// renews ("" when it renews none).
func (s *Service) ReplacesFor(ctx context.Context, orderID int64) (string, error) {
	return replacesFor(ctx, s.pool, orderID)
}
