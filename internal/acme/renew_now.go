package acme

import (
	"context"
	"fmt"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
)

// RenewQueue enqueues the renewal job of a certificate; false when its job
// is live already.
type RenewQueue func(ctx context.Context, certificateID int64) (bool, error)

// SetRenewQueue connects the background jobs that renew certificates.
func (s *Service) SetRenewQueue(q RenewQueue) { s.renewQueue.Store(&q) }

// RenewNow starts the renewal of ACME certificate id without waiting for
// its time (audited). queued is false when its renewal job was running or
// queued already: a renewal never runs twice at once.
func (s *Service) RenewNow(ctx context.Context, actor audit.Actor, id int64) (queued bool, err error) {
	is, err := s.IssuedCertificate(ctx, id)
	if err != nil {
		return false, err
	}
	switch {
	case is.RevokedAt != nil:
		return false, errs.Conflictf("Certificate %d was revoked: order a new certificate instead.", id)
	case is.RenewalOrderID != 0:
		return false, errs.Conflictf("Certificate %d is being renewed already by order %d (%s).", id, is.RenewalOrderID, RenewalStatusLabel(is.RenewalStatus))
	}
	q := s.renewQueue.Load()
	if q == nil {
		return false, errs.New(errs.Unavailable, "The background jobs are not running here: the renewal starts at its time (%s).", is.RenewAt.Format("2006-01-02 15:04 MST"))
	}
	if queued, err = (*q)(ctx, id); err != nil {
		return false, err
	}
	err = audit.Record(ctx, s.pool, actor, "certificate.renew_now", fmt.Sprintf("certificate %d", id), map[string]any{"queued": queued})
	return queued, err
}
