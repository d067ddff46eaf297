package orders

import (
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/fields"
	"github.com/certportal/certportal/internal/textcheck"
)

// Registration types: a new certificate or the renewal of one.
const (
	RegTypeNew   = "new"
	RegTypeRenew = "renew"
)

// OrderServerTypes are the server_type values offered: the server software
// the certificate is for, as CAs ask for it.
func OrderServerTypes() []string {
	return []string{"apacheopenssl", "apache2", "iis5", "other", "tomcat", "cpanel", "plesk"}
}

// ServerTypeLabel is a server_type in words.
func ServerTypeLabel(t string) string {
	switch t {
	case "apacheopenssl":
		return "nginx (or another OpenSSL-based server)"
	case "apache2":
		return "Apache"
	case "iis5":
		return "Microsoft IIS"
	case "tomcat":
		return "Tomcat"
	case "cpanel":
		return "cPanel"
	case "plesk":
		return "Plesk"
	case "other":
		return "Other"
	}
	return t
}

// Order is a certificate order for a requirement's CSR.
type Order struct {
	ID                  int64     `json:"id"`
	RequirementID       int64     `json:"requirement_id"`
	CSRID               int64     `json:"csr_id"`
	Provider            string    `json:"provider"`
	Product             string    `json:"product"`
	PeriodYears         int       `json:"period_years"`
	RegType             string    `json:"reg_type"`
	ApproverEmail       string    `json:"approver_email"`
	Contacts            OrderRefs `json:"contacts"`
	ServerType          string    `json:"server_type"`
	SpecialInstructions string    `json:"special_instructions"`
	// AcmeAccountID is the ACME account an acme order is placed with.
	AcmeAccountID     int64      `json:"acme_account_id,omitempty"`
	State             OrderState `json:"state"`
	ProviderOrderID   string     `json:"provider_order_id"`
	ProviderProductID string     `json:"provider_product_id,omitempty"`
	CertificateID     int64      `json:"certificate_id,omitempty"`
	ReplacesOrderID   int64      `json:"replaces_order_id,omitempty"`
	SubmittedAt       *time.Time `json:"submitted_at,omitempty"`
	OverrideReason    string     `json:"override_reason,omitempty"`
	CancelReason      string     `json:"cancel_reason,omitempty"`
	LastError         string     `json:"last_error,omitempty"`
	LastErrorField    string     `json:"last_error_field,omitempty"`
	PolledAt          *time.Time `json:"polled_at,omitempty"`
	NextPollAt        *time.Time `json:"next_poll_at,omitempty"`
	PollFailures      int        `json:"poll_failures,omitempty"`
	CreatedBy         int64      `json:"created_by,omitempty"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`

	// Read with the order for lists and pages.
	ClientName  string `json:"client_name"`
	ProjectName string `json:"project_name"`
	CommonName  string `json:"common_name"`

	submittingSince *time.Time
	contactSet      []byte // written with the submission, never read back
	byHand          bool   // its provider is followed by hand
}

// OrderRefs are the contacts chosen for an order: ids of the client's
// contacts; Billing 0 means the agency's billing contact.
type OrderRefs struct {
	Admin   int64 `json:"admin"`
	Billing int64 `json:"billing"`
	Tech    int64 `json:"tech"`
}

// OrderHistory is one state change.
type OrderHistory struct {
	At        time.Time  `json:"time"`
	From      OrderState `json:"from"`
	To        OrderState `json:"to"`
	ByUserID  int64      `json:"by_user_id,omitempty"`
	ByUser    string     `json:"by_user,omitempty"`
	ByPoll    bool       `json:"by_poll"`
	Note      string     `json:"note,omitempty"`
	ActorName string     `json:"-"`
}

// OrderDetail is an order with its history, clock and plain-words guidance:
// what GET /api/v1/orders/{id} returns and the order page shows.
type OrderDetail struct {
	Order
	History             []OrderHistory `json:"history"`
	BusinessDaysWaiting int            `json:"business_days_waiting"`
	ExpectedBy          *time.Time     `json:"expected_by,omitempty"`
	Overdue             bool           `json:"overdue"`
	Blocking            string         `json:"blocking"`
	NextAction          string         `json:"next_action"`
	// ReplacedBy lists drafts made from this order.
	ReplacedBy []int64 `json:"replaced_by,omitempty"`
	// AllowedActions are what the order's state allows (Order.AllowedActions).
	AllowedActions []Action `json:"allowed_actions"`
}

// OrderInput is a new order as the form and the API give it.
type OrderInput struct {
	RequirementID       int64
	CSRID               int64
	Provider            string
	Product             string
	PeriodYears         int
	RegType             string
	ApproverEmail       string
	Contacts            OrderRefs
	ServerType          string
	SpecialInstructions string
	AcmeAccountID       int64
}

// normalize trims and fills defaults.
func (in *OrderInput) normalize() {
	in.Provider = strings.ToLower(strings.TrimSpace(in.Provider))
	in.Product = strings.ToLower(strings.TrimSpace(in.Product))
	in.RegType = strings.ToLower(strings.TrimSpace(in.RegType))
	if in.RegType == "" {
		in.RegType = RegTypeNew
	}
	in.ApproverEmail = strings.ToLower(strings.TrimSpace(in.ApproverEmail))
	in.ServerType = strings.ToLower(strings.TrimSpace(in.ServerType))
	if in.ServerType == "" {
		in.ServerType = "other"
	}
	in.SpecialInstructions = strings.TrimSpace(in.SpecialInstructions)
}

// Validate checks what can be checked without the database, against the
// provider p the order names (p.Name "" when it names none of known). Field
// names are those of the JSON API.
func (in OrderInput) Validate(p ProviderInfo, known []string) error {
	f := errs.FieldErrors{}
	f.Check(in.RequirementID > 0, "requirement_id", "Choose the requirement this order is for.")
	f.Check(in.CSRID > 0, "csr_id", "Choose the CSR to send.")
	switch {
	case p.Name == "":
		f.Add("provider", "Choose "+strings.Join(known, " or ")+".")
	case p.ByHand:
		f.Check(in.Product != "" && len(in.Product) <= 100, "product", "Name the product bought (up to 100 characters).")
		if problem := textcheck.Line(in.Product); problem != "" {
			f.Add("product", "The product "+problem+".")
		}
	case p.Automated:
		_, ok := p.Product(in.Product)
		f.Check(ok, "product", "Choose one of "+strings.Join(p.ProductCodes(), ", ")+".")
	default:
		product, ok := p.Product(in.Product)
		f.Check(ok, "product", "Choose one of "+strings.Join(p.ProductCodes(), ", ")+".")
		f.Check(in.Contacts.Admin > 0, "contacts.admin", "Choose the client's authorized contact.")
		f.Check(in.Contacts.Tech > 0, "contacts.tech", "Choose the technical contact.")
		f.Check(slices.Contains(OrderServerTypes(), in.ServerType), "server_type",
			"Choose one of "+strings.Join(OrderServerTypes(), ", ")+".")
		if ok && product.Validation == ValidationDomain {
			f.Check(in.ApproverEmail != "", "approver_email", "A domain-validated certificate needs an approver email.")
		}
	}
	f.Check(in.PeriodYears == 1 || in.PeriodYears == 2, "period_years", "The subscription period is 1 or 2 years.")
	f.Check(in.RegType == RegTypeNew || in.RegType == RegTypeRenew, "reg_type", "Choose new or renew.")
	if in.ApproverEmail != "" {
		a, err := mail.ParseAddress(in.ApproverEmail)
		f.Check(err == nil && a.Address == in.ApproverEmail, "approver_email", "Enter one email address, like admin@example.com.")
	}
	f.Check(len(in.SpecialInstructions) <= 2000, "special_instructions", "Keep special instructions under 2,000 characters.")
	if p := fields.TextProblem(in.SpecialInstructions, true); p != "" && len(in.SpecialInstructions) <= 2000 {
		f.Add("special_instructions", p)
	}
	return f.Err()
}
