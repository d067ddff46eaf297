package acmeprovider

import (
	"context"
	"fmt"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/notify"
)

// FollowRenewals takes each renewal the CA issued to its end: the old
// certificate's installs move to the new certificate and are checked, and
// the renewal is done once every active install of the requirement serves
// the new certificate and passes. Each step is announced once. It returns
// the renewals done. A renewal that cannot be followed now records why on
// its certificate and is tried again at the next sweep; the others go on.
func (r *Renewer) FollowRenewals(ctx context.Context) (int, error) {
	list, err := r.ACME.Renewing(ctx)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, is := range list {
		ok, err := r.followRenewal(ctx, is)
		if err != nil {
			if serr := r.ACME.SetRenewalError(ctx, is.CertificateID, errs.UserText(err)); serr != nil {
				return done, serr
			}
			continue
		}
		if ok {
			done++
		}
	}
	return done, nil
}

func (r *Renewer) followRenewal(ctx context.Context, is acme.Issued) (bool, error) {
	if is.RenewalStatus == acme.RenewalIssued {
		if err := r.moveInstalls(ctx, is); err != nil {
			return false, err
		}
		first, err := r.ACME.MarkRenewal(ctx, is.CertificateID, acme.RenewalIssued)
		if err != nil {
			return false, err
		}
		if first {
			if err := r.announce(ctx, is, acme.RenewalIssued); err != nil {
				return false, err
			}
		}
		// The checks just made may have finished it.
		now, err := r.ACME.IssuedCertificate(ctx, is.CertificateID)
		if err != nil {
			return false, err
		}
		is = *now
	}
	if is.RenewalStatus != acme.RenewalDone {
		return false, nil
	}
	first, err := r.ACME.MarkRenewal(ctx, is.CertificateID, acme.RenewalDone)
	if err != nil || !first {
		return false, err
	}
	return true, r.announce(ctx, is, acme.RenewalDone)
}

// moveInstalls moves the old certificate's active installs to the renewal
// and checks them against it.
func (r *Renewer) moveInstalls(ctx context.Context, is acme.Issued) error {
	if r.Installs == nil {
		return nil
	}
	moved, err := r.Installs.FollowRenewal(ctx, renewActor, is.CertificateID, is.RenewalCertificateID)
	if err != nil {
		return err
	}
	for _, id := range moved {
		if _, err := r.Installs.Check(ctx, audit.System, id, ""); err != nil {
			return fmt.Errorf("acmeprovider: check install %d against renewal %d: %w", id, is.RenewalCertificateID, err)
		}
	}
	return nil
}

// announce tells the project's people where the renewal of is stands.
func (r *Renewer) announce(ctx context.Context, is acme.Issued, status string) error {
	if r.Notify == nil {
		return nil
	}
	label := acme.RenewalStatusLabel(status)
	return r.Notify.Notify(ctx, notify.Event{Type: notify.OrderIssued, CertificateID: is.CertificateID,
		Subject: fmt.Sprintf("ACME renewal of certificate %d: %s", is.CertificateID, label),
		Text: fmt.Sprintf("The automatic ACME renewal of certificate %d as certificate %d is %s.",
			is.CertificateID, is.RenewalCertificateID, label),
		Link: fmt.Sprintf("/certificates/%d", is.CertificateID)})
}
