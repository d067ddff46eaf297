package acme

import "context"

// Renewal statuses of a followed certificate (Issued.RenewalStatus). A
// renewal is done when its installs serve the new certificate and pass, not
// when the CA issues it.
const (
	RenewalOrdered = "ordered"
	RenewalIssued  = "issued"
	RenewalDone    = "done"
)

// RenewalStatusLabel is how pages and notifications say a renewal status.
func RenewalStatusLabel(status string) string {
	switch status {
	case RenewalOrdered:
		return "ordered, waiting for the CA"
	case RenewalIssued:
		return "issued, waiting for installs to serve it"
	case RenewalDone:
		return "done: every install serves the new certificate and passes"
	}
	return ""
}

// Renewing are the followed certificates whose renewal the CA issued and
// that are not done yet.
func (s *Service) Renewing(ctx context.Context) ([]Issued, error) {
	return issuedRenewing(ctx, s.pool)
}

// MarkRenewal records a step of the renewal of certificate id: RenewalIssued
// once its installs were moved to the new certificate, RenewalDone once they
// all serve it and pass. A step is recorded once: false when it was before.
func (s *Service) MarkRenewal(ctx context.Context, id int64, step string) (bool, error) {
	return issuedSetRenewalStep(ctx, s.pool, id, step, s.cfg.Now())
}
