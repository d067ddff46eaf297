package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/lifetimes"
)

// CertificatePlan is the renewal plan of one certificate: what GET
// /api/v1/certificates/{id} adds and the certificate and requirement pages show.
type CertificatePlan struct {
	CertificateID int64 `json:"certificate_id"`
	lifetimes.Plan
	// LeadTimeBusinessDays is the lead time counted back from expiry: the CA's
	// expected verification days plus the install buffer.
	LeadTimeBusinessDays int `json:"lead_time_business_days"`
	// OrderID is the order whose subscription the certificate belongs to (0:
	// none known, as for an uploaded certificate bought elsewhere).
	OrderID         int64      `json:"subscription_order_id,omitempty"`
	SubscriptionEnd *time.Time `json:"subscription_end,omitempty"`
	NotAfter        time.Time  `json:"not_after"`
	// Superseded: a newer certificate for the requirement is installed and
	// passing its check; no reminders go out for this one.
	Superseded bool `json:"superseded"`
}

// planInput is what the planner needs about a certificate, read in one query.
type planInput struct {
	CertificateID   int64
	Fingerprint     string
	RequirementID   int64
	CSRID           int64
	NotBefore       time.Time
	NotAfter        time.Time
	Validation      string
	OrderID         *int64
	SubscriptionEnd *time.Time
	ApproverEmail   string
	Superseded      bool
}

// planInputSQL reads plan inputs. The subscription is the order that brought
// the certificate, or the order of the reissue it came from; it starts when the
// order was submitted (else when it was created) and lasts period_years.
// newerPassingInstall finds, for the certificate c of the outer query, an
// active install of a newer certificate of the same requirement whose last
// check passed serving it (internal/installs' tables): c is then superseded.
// It starts from the installs, which are few, so that a requirement with many
// certificates costs no pairwise comparison.
const newerPassingInstall = `SELECT 1 FROM installs i
    JOIN install_checks k ON k.id = i.last_check_id AND k.passed AND k.served_matches
    JOIN certificates n ON n.id = i.certificate_id
    WHERE i.retired_at IS NULL AND n.requirement_id = c.requirement_id AND n.not_after > c.not_after`

const planInputSQL = `
SELECT c.id, c.fingerprint_sha256, c.requirement_id, c.csr_id, c.not_before, c.not_after, r.validation,
       o.id, o.started + make_interval(years => o.period_years), COALESCE(o.approver_email, ''),
       EXISTS (` + newerPassingInstall + `)
FROM certificates c
JOIN requirements r ON r.id = c.requirement_id
LEFT JOIN LATERAL (
    SELECT o.id, o.period_years, o.approver_email, COALESCE(o.submitted_at, o.created_at) AS started
    FROM orders o
    -- The later of the two, each found by its index (an OR here would scan
    -- every order for every certificate).
    WHERE o.id = greatest((SELECT max(oc.id) FROM orders oc WHERE oc.certificate_id = c.id),
                          (SELECT ri.order_id FROM reissues ri WHERE ri.csr_id = c.csr_id ORDER BY ri.id DESC LIMIT 1))
) o ON true
`

func scanPlanInputs(rows pgx.Rows) ([]planInput, error) {
	defer rows.Close()
	var out []planInput
	for rows.Next() {
		var in planInput
		if err := rows.Scan(&in.CertificateID, &in.Fingerprint, &in.RequirementID, &in.CSRID, &in.NotBefore, &in.NotAfter,
			&in.Validation, &in.OrderID, &in.SubscriptionEnd, &in.ApproverEmail, &in.Superseded); err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

func getPlanInput(ctx context.Context, q db.DBTX, certificateID int64) (*planInput, error) {
	rows, err := q.Query(ctx, planInputSQL+` WHERE c.id = $1`, certificateID)
	if err != nil {
		return nil, err
	}
	ins, err := scanPlanInputs(rows)
	if err != nil {
		return nil, err
	}
	if len(ins) == 0 {
		return nil, errs.New(errs.NotFound, "Certificate %d does not exist.", certificateID)
	}
	return &ins[0], nil
}

// leadLevels are the validation levels whose past lead times a plan reads.
var leadLevels = []string{string(lifetimes.DV), string(lifetimes.OV), string(lifetimes.EV)}

// pastLeadDays returns, per validation level, the business days the portal's
// own last 50 issued orders of that level took from submission to issuance
// (the first time each reached issued). order_issuances (00036) gives each
// level's newest at once, so a certificate or requirement page does not read
// the whole order history.
func (s *Service) pastLeadDays(ctx context.Context, q db.DBTX) (map[lifetimes.Validation][]int, error) {
	rows, err := q.Query(ctx, `
		SELECT v.level, x.submitted_at, x.issued_at
		FROM unnest($1::text[]) AS v(level)
		CROSS JOIN LATERAL (
			SELECT o.submitted_at, i.issued_at
			FROM order_issuances i JOIN orders o ON o.id = i.order_id
			WHERE i.validation = v.level AND o.submitted_at IS NOT NULL AND i.issued_at >= o.submitted_at
			ORDER BY i.issued_at DESC, i.order_id DESC
			LIMIT 50) x`, leadLevels)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: past lead times: %w", err)
	}
	defer rows.Close()
	out := map[lifetimes.Validation][]int{}
	for rows.Next() {
		var level string
		var submitted, issued time.Time
		if err := rows.Scan(&level, &submitted, &issued); err != nil {
			return nil, fmt.Errorf("lifecycle: past lead times: %w", err)
		}
		v := lifetimes.Validation(level)
		out[v] = append(out[v], s.cal.BusinessDaysBetween(submitted, issued))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lifecycle: past lead times: %w", err)
	}
	return out, nil
}

func (s *Service) plan(in *planInput, past map[lifetimes.Validation][]int) (*CertificatePlan, error) {
	c := lifetimes.Certificate{NotBefore: in.NotBefore, NotAfter: in.NotAfter, Validation: lifetimes.Validation(in.Validation),
		ApproverEmail: in.ApproverEmail, PastLeadDays: past[lifetimes.Validation(in.Validation)]}
	if in.SubscriptionEnd != nil {
		c.SubscriptionEnd = *in.SubscriptionEnd
	}
	p, err := s.planner.Plan(c)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: plan certificate %d: %w", in.CertificateID, err)
	}
	out := &CertificatePlan{CertificateID: in.CertificateID, Plan: p, LeadTimeBusinessDays: p.LeadDays,
		SubscriptionEnd: in.SubscriptionEnd, NotAfter: in.NotAfter, Superseded: in.Superseded}
	if in.OrderID != nil {
		out.OrderID = *in.OrderID
	}
	return out, nil
}

// Plan computes the renewal plan of a certificate.
func (s *Service) Plan(ctx context.Context, certificateID int64) (*CertificatePlan, error) {
	in, err := getPlanInput(ctx, s.pool, certificateID)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: plan certificate %d: %w", certificateID, err)
	}
	past, err := s.pastLeadDays(ctx, s.pool)
	if err != nil {
		return nil, err
	}
	return s.plan(in, past)
}

// RequirementPlan plans the renewal of the requirement's current certificate:
// the one that expires last. It returns errs.NotFound when the requirement has
// no certificate yet.
func (s *Service) RequirementPlan(ctx context.Context, requirementID int64) (*CertificatePlan, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT id FROM certificates WHERE requirement_id = $1 ORDER BY not_after DESC, id DESC LIMIT 1`,
		requirementID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "Requirement %d has no certificate yet.", requirementID)
	}
	if err != nil {
		return nil, fmt.Errorf("lifecycle: requirement %d plan: %w", requirementID, err)
	}
	return s.Plan(ctx, id)
}
