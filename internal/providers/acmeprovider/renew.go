package acmeprovider

import (
	"context"
	"errors"
	"fmt"

	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/csrgen"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/notify"
	"github.com/certportal/certportal/internal/orders"
)

// Renewer renews ACME certificates without a person (jobs.Renewer): a new
// key and CSR from the requirement, a renewal order with the old order's
// settings (account, product), sent with the old certificate's ARI id as
// replaces; the poll jobs take it from there.
type Renewer struct {
	ACME   *acme.Service
	Orders *orders.OrderService
	Certs  *certs.Service
	// Installs, when set, are moved to the renewed certificate and checked
	// (a renewal is done when they serve it and pass).
	Installs *installs.Service
	// Notify, when set, announces failed attempts and renewal steps.
	Notify *notify.Notifier
}

// SetRenewQueue lets people start renewals now (acme.Service.RenewNow)
// through the jobs' queue.
func (r *Renewer) SetRenewQueue(q func(ctx context.Context, certificateID int64) (bool, error)) {
	r.ACME.SetRenewQueue(q)
}

// renewActor is who renewal orders are placed by in the history and audit.
var renewActor = audit.Actor{Email: "system", Via: "ACME renewal"}

// DueRenewals follows newly issued ACME certificates, takes issued
// renewals on to their installs, refreshes the ARI windows and lists the
// certificates due.
func (r *Renewer) DueRenewals(ctx context.Context) ([]int64, error) {
	if _, err := r.ACME.Adopt(ctx); err != nil {
		return nil, err
	}
	if _, err := r.FollowRenewals(ctx); err != nil {
		return nil, err
	}
	due, err := r.ACME.DueRenewals(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(due))
	for _, is := range due {
		ids = append(ids, is.CertificateID)
	}
	return ids, nil
}

// Renew places and submits the renewal order of certificate id. A retry
// resumes the renewal order already made; a renewal order already sent is
// done.
func (r *Renewer) Renew(ctx context.Context, id int64) error {
	is, err := r.ACME.IssuedCertificate(ctx, id)
	if err != nil {
		return err
	}
	if is.RevokedAt != nil {
		return nil
	}
	orderID := is.RenewalOrderID
	if orderID != 0 {
		d, err := r.Orders.Get(ctx, orderID)
		if err != nil {
			return err
		}
		if d.State != orders.OrderDraft {
			return nil
		}
	} else if orderID, err = r.placeRenewal(ctx, is); err != nil {
		return err
	}
	o, err := r.Orders.Submit(ctx, renewActor, orderID, orders.OrderSubmit{})
	if err != nil {
		return fmt.Errorf("acmeprovider: submit renewal order %d of certificate %d: %w", orderID, id, err)
	}
	if o.State == orders.OrderDraft {
		return fmt.Errorf("acmeprovider: renewal order %d of certificate %d was not sent: %s", orderID, id, o.LastError)
	}
	return nil
}

// placeRenewal makes the new key, CSR and draft order, and records it as the
// certificate's renewal so that Submit sends replaces.
func (r *Renewer) placeRenewal(ctx context.Context, is *acme.Issued) (int64, error) {
	if is.OrderID == 0 {
		return 0, errors.New("acmeprovider: the order that issued the certificate is gone")
	}
	old, err := r.Orders.Get(ctx, is.OrderID)
	if err != nil {
		return 0, err
	}
	req, err := r.Certs.Requirement(ctx, old.RequirementID)
	if err != nil {
		return 0, err
	}
	in := req.Prefill()
	// Keep the old key's type and names: the renewal replaces it like for like.
	if oldCSR, err := r.Certs.CSR(ctx, old.CSRID); err == nil {
		if kt, err := csrgen.ParseKeyType(oldCSR.KeyType); err == nil {
			in.KeyType = kt
		}
		in.CommonName, in.SANs = oldCSR.CommonName, oldCSR.SANs
	}
	csr, err := r.Certs.GenerateCSR(ctx, renewActor, old.RequirementID, in)
	if err != nil {
		return 0, fmt.Errorf("acmeprovider: new key and CSR for certificate %d: %w", is.CertificateID, err)
	}
	input := old.Input()
	input.CSRID = csr.ID
	input.RegType = orders.RegTypeRenew
	o, err := r.Orders.Create(ctx, renewActor, input)
	if err != nil {
		return 0, fmt.Errorf("acmeprovider: renewal order for certificate %d: %w", is.CertificateID, err)
	}
	if err := r.ACME.SetRenewalOrder(ctx, is.CertificateID, o.ID); err != nil {
		return 0, err
	}
	return o.ID, nil
}

// RenewalFailed records the failure on the certificate and, on the first
// and the last attempt, tells the project's people and the admins.
func (r *Renewer) RenewalFailed(ctx context.Context, id int64, cause error, attempt int, final bool) error {
	msg := errs.UserText(cause)
	if err := r.ACME.SetRenewalError(ctx, id, msg); err != nil {
		return err
	}
	if r.Notify == nil || (attempt > 1 && !final) {
		return nil
	}
	text := fmt.Sprintf("The automatic ACME renewal of certificate %d failed (attempt %d): %s. It is retried with backoff.", id, attempt, msg)
	if final {
		text = fmt.Sprintf("The automatic ACME renewal of certificate %d failed for the last time (attempt %d): %s. A person must renew it.", id, attempt, msg)
	}
	return r.Notify.Notify(ctx, notify.Event{Type: notify.RenewalFailed, CertificateID: id, AlsoAdmins: true,
		Subject: fmt.Sprintf("ACME renewal of certificate %d failed", id), Text: text, Link: fmt.Sprintf("/certificates/%d", id)})
}
