package dashboard

import (
	"time"

	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/projects"
)

// Counts are the sizes of the dashboard's lists before they are cut to the top N.
type Counts struct {
	Blocked  int `json:"blocked"`
	Flagged  int `json:"flagged"`
	Overdue  int `json:"overdue"`
	Stuck    int `json:"stuck"`
	Expiring int `json:"expiring"`
	Expired  int `json:"expired"`
	// FailedInstalls are active installs whose last check failed; LowGrades
	// those whose latest scan graded them below A.
	FailedInstalls int `json:"failed_installs"`
	LowGrades      int `json:"low_grades"`
}

// Summary is the status dashboard: per client and project, what is blocked,
// overdue or expiring, and the counts behind the charts. Lists are sorted by
// client and project (certificates soonest expiry first) and are never nil.
type Summary struct {
	ClientID int64     `json:"client_id"` // 0: every client
	AMID     int64     `json:"am_id,omitempty"`
	POID     int64     `json:"po_id,omitempty"`
	AsOf     time.Time `json:"as_of"`
	// Attention counts the items of every list below (the number on the home page).
	Attention int `json:"attention"`
	// Counts are each list's full size; the lists hold the Limit most urgent.
	Counts Counts `json:"counts"`
	// Clients rolls the items up per client; only clients with something to do.
	Clients []ClientAttention `json:"clients"`
	// BlockedRequirements are open requirements (no certificate valid now and no
	// order under way) whose readiness checklist has a red item.
	BlockedRequirements []BlockedRequirement `json:"blocked_requirements"`
	FlaggedProjects     []FlaggedProject     `json:"flagged_projects"`
	// OverdueOrders wait at the CA past OrderOverdueAfter business days.
	OverdueOrders []AttentionOrder `json:"overdue_orders"`
	// StuckOrders need a person: outcome unknown, or declined and not replaced.
	StuckOrders []AttentionOrder `json:"stuck_orders"`
	// ExpiringCertificates are the latest certificate of their requirement that
	// expires within ExpiringWithinDays or has expired already. A certificate that
	// a newer one replaces is not listed.
	ExpiringCertificates []ExpiringCertificate `json:"expiring_certificates"`
	// FailedInstalls are active installs whose last check failed, the most
	// recent failure first.
	FailedInstalls []FailedInstall `json:"failed_installs"`
	// LowGrades are active installs whose latest scan graded them below A.
	LowGrades []LowGrade `json:"low_grades"`
	// OrdersByState counts orders in each state, in workflow order, zeros included.
	OrdersByState []StateCount `json:"orders_by_state"`
	// ExpiriesByMonth counts, for this month and the next eleven, the latest
	// certificates of requirements that expire in that month.
	ExpiriesByMonth []MonthCount `json:"expiries_by_month"`
}

// ClientAttention is one client's line of the roll-up.
// Its counts are of the client's items on each list.
type ClientAttention struct {
	ClientID   int64  `json:"client_id"`
	ClientName string `json:"client_name"`
	Counts
	Total int `json:"total"`
}

// ProjectRef names the project and client an item belongs to, with the
// project's account manager and product owner (0: none).
type ProjectRef struct {
	ProjectID   int64  `json:"project_id"`
	ProjectName string `json:"project_name"`
	ClientID    int64  `json:"client_id"`
	ClientName  string `json:"client_name"`
	AMID        int64  `json:"am_id,omitempty"`
	POID        int64  `json:"po_id,omitempty"`
}

// Ref is the reference itself: every list item embedding a ProjectRef has it,
// so code over any of the lists reaches the item's project and client.
func (p ProjectRef) Ref() ProjectRef { return p }

// fields are ProjectRef's scan targets, in the order of its columns in the
// dashboard queries (p.id, p.name, client id and name, am and po).
func (p *ProjectRef) fields() []any {
	return []any{&p.ProjectID, &p.ProjectName, &p.ClientID, &p.ClientName, &p.AMID, &p.POID}
}

// BlockedRequirement is a requirement the CA would refuse today.
type BlockedRequirement struct {
	RequirementID int64 `json:"requirement_id"`
	ProjectRef
	Hostnames []string `json:"hostnames"`
	// Item and Reason are the checklist's first red line; RedItems counts them all.
	Item     string `json:"item"`
	Reason   string `json:"reason"`
	RedItems int    `json:"red_items"`
}

// FlaggedProject is a project with sprint-one warnings.
type FlaggedProject struct {
	ProjectRef
	Flags []projects.ProjectFlag `json:"flags"`
}

// AttentionOrder is an order someone should look at, with what blocks it.
type AttentionOrder struct {
	OrderID       int64 `json:"order_id"`
	RequirementID int64 `json:"requirement_id"`
	ProjectRef
	CommonName          string            `json:"common_name"`
	Product             string            `json:"product"`
	State               orders.OrderState `json:"state"`
	StateLabel          string            `json:"state_label"`
	SubmittedAt         *time.Time        `json:"submitted_at,omitempty"`
	BusinessDaysWaiting int               `json:"business_days_waiting"`
	Overdue             bool              `json:"overdue"`
	Blocking            string            `json:"blocking"`
}

// ExpiringCertificate is a requirement's latest certificate near or past expiry.
type ExpiringCertificate struct {
	CertificateID int64 `json:"certificate_id"`
	RequirementID int64 `json:"requirement_id"`
	ProjectRef
	CommonName string    `json:"common_name"`
	NotAfter   time.Time `json:"not_after"`
	DaysLeft   int       `json:"days_left"` // negative once expired
	Expired    bool      `json:"expired"`
}

// StateCount is how many orders are in a state.
type StateCount struct {
	State orders.OrderState `json:"state"`
	Label string            `json:"label"`
	Count int               `json:"count"`
}

// MonthCount is how many certificates expire in a month.
type MonthCount struct {
	Month string `json:"month"` // YYYY-MM
	Count int    `json:"count"`
}
