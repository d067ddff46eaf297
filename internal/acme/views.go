package acme

import (
	"context"
	"fmt"

	"github.com/certportal/certportal/internal/errs"
)

// OrderInfo is what an ACME order's page shows: the account, the CA's
// status, its reason when it refused, and each name's challenge.
type OrderInfo struct {
	Account    Account
	Status     string
	Problem    string
	Challenges []Challenge
}

// Order reads ACME order id (a portal order's provider order id) for its
// page; it asks no CA.
func (s *Service) Order(ctx context.Context, id int64) (*OrderInfo, error) {
	o, a, err := s.orderAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	chs, err := challengeList(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	return &OrderInfo{Account: *a, Status: o.Status, Problem: o.Problem, Challenges: chs}, nil
}

// Followed is certificate id as ACME follows it for renewal and revocation,
// nil when ACME did not issue it. Unlike IssuedCertificate it asks no CA
// for a certificate that is not ACME's: the certificate page calls it on
// every view.
func (s *Service) Followed(ctx context.Context, id int64) (*Issued, error) {
	is, err := issuedGet(ctx, s.pool, id)
	if errs.CodeOf(err) != errs.NotFound {
		return is, err
	}
	var ours bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM orders
		WHERE certificate_id = $1 AND acme_account_id IS NOT NULL)`, id).Scan(&ours); err != nil {
		return nil, fmt.Errorf("acme: is certificate %d ACME's: %w", id, err)
	}
	if !ours {
		return nil, nil
	}
	return s.IssuedCertificate(ctx, id)
}
