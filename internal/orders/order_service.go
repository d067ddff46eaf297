package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/net/publicsuffix"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/calendar"
	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/opensrs"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/projects"
	"github.com/certportal/certportal/internal/verify"
)

// ReadinessChecker answers the readiness checklist of a requirement for a
// certificate period (implemented by the clients/requirements service).
type ReadinessChecker interface {
	Readiness(ctx context.Context, requirementID int64, periodYears int) (verify.Report, error)
}

// CertificateIntake takes in a certificate issued for a CSR: matches it to
// the CSR's key, builds the chain and stores it (implemented by the
// certificates service).
type CertificateIntake interface {
	IntakeFromProvider(ctx context.Context, csrID int64, pemBundle []byte, detail string) (certificateID int64, err error)
}

// OrderPollScheduler starts following an order at the provider, in the
// transaction that records its submission (implemented by internal/jobs).
type OrderPollScheduler interface {
	SchedulePollTx(ctx context.Context, tx pgx.Tx, orderID int64, at time.Time) error
}

// OrderServiceConfig configures an OrderService.
type OrderServiceConfig struct {
	// OpenSRS places and follows opensrs orders; nil allows manual orders only.
	OpenSRS *opensrs.Client
	// Readiness gates submission; nil refuses every submission (Unavailable).
	Readiness ReadinessChecker
	// Intake stores issued certificates; nil leaves completed orders waiting.
	Intake CertificateIntake
	// Clients and Projects are read for an order's contacts and requirement.
	Clients  *clients.Service
	Projects *projects.Service
	// Calendar counts business days; default the US federal calendar in UTC.
	Calendar *calendar.Calendar
	// PollInterval is the normal time between two polls of an order (15m).
	PollInterval time.Duration
	// SubmitTimeout bounds the sw_register call (60s); PollTimeout any other call (30s).
	SubmitTimeout time.Duration
	PollTimeout   time.Duration
	Now           func() time.Time
	Logger        *slog.Logger
}

// OrderService places and follows certificate orders.
type OrderService struct {
	pool      *pgxpool.Pool
	cfg       OrderServiceConfig
	scheduler OrderPollScheduler
	log       *slog.Logger
}

// NewOrderService returns a service on pool.
func NewOrderService(pool *pgxpool.Pool, cfg OrderServiceConfig) *OrderService {
	// Tests of orders alone may leave the record services out: they read the
	// same database.
	if cfg.Clients == nil {
		cfg.Clients = clients.NewService(pool)
	}
	if cfg.Projects == nil {
		cfg.Projects = projects.NewService(pool, cfg.Clients, nil)
	}
	if cfg.Calendar == nil {
		cfg.Calendar = calendar.NewUS(nil)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 15 * time.Minute
	}
	if cfg.SubmitTimeout <= 0 {
		cfg.SubmitTimeout = 60 * time.Second
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &OrderService{pool: pool, cfg: cfg, log: log}
}

// SetPollScheduler connects background polling; without one, orders are
// polled only on refresh.
func (s *OrderService) SetPollScheduler(p OrderPollScheduler) { s.scheduler = p }

// PollInterval is the configured time between two polls of an order.
func (s *OrderService) PollInterval() time.Duration { return s.cfg.PollInterval }

// HasProvider reports whether OpenSRS is configured.
func (s *OrderService) HasProvider() bool { return s.cfg.OpenSRS != nil }

func (s *OrderService) now() time.Time { return s.cfg.Now().UTC() }

// Create records a draft order after checking that the requirement, the CSR
// and the contacts belong together.
func (s *OrderService) Create(ctx context.Context, actor audit.Actor, in OrderInput) (*Order, error) {
	in.normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := s.checkInput(ctx, tx, in); err != nil {
			return err
		}
		var err error
		if id, err = orderInsert(ctx, tx, in, actor.ID, 0); err != nil {
			return err
		}
		if err := orderAddHistory(ctx, tx, id, s.now(), "", OrderDraft, actor.ID, false, "created"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "order.create", fmt.Sprintf("order %d", id), map[string]any{
			"requirement_id": in.RequirementID, "csr_id": in.CSRID, "provider": in.Provider, "product": in.Product,
		})
	})
	if err != nil {
		return nil, err
	}
	return orderGet(ctx, s.pool, id, false)
}

// checkInput checks the references of an order against the database.
func (s *OrderService) checkInput(ctx context.Context, tx pgx.Tx, in OrderInput) error {
	req, err := s.requirement(ctx, in.RequirementID)
	if err != nil {
		return err
	}
	f := errs.FieldErrors{}
	csr, err := orderGetCSR(ctx, tx, in.CSRID)
	if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
		f.Add("csr_id", "There is no such CSR.")
	} else if err != nil {
		return err
	} else if csr.RequirementID != in.RequirementID {
		f.Add("csr_id", "This CSR was made for another requirement.")
	} else if in.Provider == OrderProviderOpenSRS {
		wild := strings.HasPrefix(csr.CommonName, "*.")
		if in.Product == opensrs.ProductSSLWebServerWildcard && !wild {
			f.Add("product", "The wildcard product needs a CSR whose common name starts with *.")
		}
		if in.Product != opensrs.ProductSSLWebServerWildcard && wild {
			f.Add("product", "A wildcard CSR needs the wildcard product (sslwebserver_wildcard).")
		}
	}
	check := func(field string, id int64, roles ...string) {
		if id == 0 {
			return
		}
		c, err := s.cfg.Clients.GetContact(ctx, id)
		switch {
		case errs.CodeOf(err) == errs.NotFound || (err == nil && c.ClientID != req.ClientID):
			f.Add(field, "Choose one of this client's contacts.")
		case err != nil:
			f.Add(field, "The contact could not be read.")
		case !slices.Contains(roles, c.Role):
			f.Add(field, "This contact is a "+c.Role+" contact; choose a "+roles[0]+" contact.")
		}
	}
	check("contacts.admin", in.Contacts.Admin, "admin")
	check("contacts.tech", in.Contacts.Tech, "tech")
	check("contacts.billing", in.Contacts.Billing, "billing")
	if in.Provider == OrderProviderOpenSRS && in.Contacts.Billing == 0 {
		agency, err := s.agencyBilling(ctx)
		if err != nil {
			return err
		}
		if agency == nil {
			f.Add("contacts.billing", "The agency's billing contact is not set up yet: an administrator sets it in the settings, or choose a billing contact.")
		}
	}
	return f.Err()
}

// Get returns an order with its history, clock and guidance.
func (s *OrderService) Get(ctx context.Context, id int64) (*OrderDetail, error) {
	o, err := orderGet(ctx, s.pool, id, false)
	if err != nil {
		return nil, err
	}
	hist, err := orderHistoryList(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	replaced, err := orderReplacedBy(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	admin := ""
	if o.Contacts.Admin != 0 {
		if c, err := s.cfg.Clients.GetContact(ctx, o.Contacts.Admin); err == nil {
			admin = c.NameAndEmail()
		}
	}
	return s.detail(o, hist, replaced, admin), nil
}

func (s *OrderService) detail(o *Order, hist []OrderHistory, replaced []int64, admin string) *OrderDetail {
	d := &OrderDetail{Order: *o, History: hist, ReplacedBy: replaced}
	if d.History == nil {
		d.History = []OrderHistory{}
	}
	var submitted time.Time
	if o.SubmittedAt != nil {
		submitted = *o.SubmittedAt
	}
	clock := orderClock(s.cfg.Calendar, o.State, submitted, s.now())
	d.BusinessDaysWaiting = clock.BusinessDaysWaiting
	d.Overdue = clock.Overdue
	if clock.Started {
		d.ExpectedBy = &clock.ExpectedBy
	}
	d.Blocking = orderBlocking(o, admin)
	if d.Overdue {
		d.Blocking = fmt.Sprintf("Overdue: %d business days since submission (the CA takes 2–5). %s", clock.BusinessDaysWaiting, d.Blocking)
	}
	d.NextAction = orderNextAction(o)
	return d
}

// Describe is an order's guidance (clock, what blocks it, the next action)
// without its history: the dashboard shows it for many orders at once.
func (s *OrderService) Describe(o *Order, admin string) *OrderDetail {
	return s.detail(o, nil, nil, admin)
}

// Clock returns the business-day clock of o as of now.
func (s *OrderService) Clock(o *Order) OrderClock {
	var submitted time.Time
	if o.SubmittedAt != nil {
		submitted = *o.SubmittedAt
	}
	return orderClock(s.cfg.Calendar, o.State, submitted, s.now())
}

// Page is one page of the order list.
func (s *OrderService) Page(ctx context.Context, f OrderFilter, req page.Request) (page.Result[Order], error) {
	if f.State != "" && !f.State.Valid() {
		return page.Result[Order]{}, errs.Field("state", "state must be one of the order states.")
	}
	return orderPage(ctx, s.pool, f, req)
}

// EachOrder streams every order the filter keeps, newest first (exports).
func (s *OrderService) EachOrder(ctx context.Context, f OrderFilter, fn func(*Order) error) error {
	if f.State != "" && !f.State.Valid() {
		return errs.Field("state", "state must be one of the order states.")
	}
	return orderStream(ctx, s.pool, f, fn)
}

// List returns orders, newest first (at most f.Limit; lists use Page).
func (s *OrderService) List(ctx context.Context, f OrderFilter) ([]Order, error) {
	if f.State != "" && !f.State.Valid() {
		return nil, errs.Field("state", "Unknown state "+string(f.State)+".")
	}
	return orderList(ctx, s.pool, f)
}

// Readiness is the requirement's checklist, for the form beside it.
func (s *OrderService) Readiness(ctx context.Context, requirementID int64, periodYears int) (verify.Report, error) {
	if s.cfg.Readiness == nil {
		return verify.Report{}, errs.New(errs.Unavailable, "The readiness checklist is not available in this build.")
	}
	return s.cfg.Readiness.Readiness(ctx, requirementID, periodYears)
}

// OrderNotReadyError is a submission refused by a red readiness checklist.
type OrderNotReadyError struct {
	Report verify.Report
}

func (e *OrderNotReadyError) Error() string { return e.errs().Error() }

func (e *OrderNotReadyError) errs() *errs.Error {
	var red []string
	for _, it := range e.Report.Items {
		if it.Status == verify.Red {
			red = append(red, it.Reason)
		}
	}
	return errs.Conflictf("The readiness checklist is red, so the CA would refuse this order: %s Fix these first, or give an override reason.", strings.Join(red, " "))
}

func (e *OrderNotReadyError) Unwrap() error { return e.errs() }

// OrderSubmit is how a user submits: an override of a red checklist needs a
// reason; resubmitting an order whose outcome is unknown needs ConfirmResubmit.
type OrderSubmit struct {
	OverrideReason  string
	ConfirmResubmit bool
}

// Submit sends the order to its provider exactly once.
//
// The order is written as submitting before sw_register leaves, so that a
// crash mid-call leaves a trace that recovery turns into unknown. After the
// call: success records the provider's order id; a request that provably
// never left, or a definite refusal, returns the order to draft with the
// reason; anything else (timeout, reset, a reply without an order id) makes
// it unknown, which nothing retries by itself.
func (s *OrderService) Submit(ctx context.Context, actor audit.Actor, id int64, in OrderSubmit) (*Order, error) {
	in.OverrideReason = strings.TrimSpace(in.OverrideReason)
	o, err := orderGet(ctx, s.pool, id, false)
	if err != nil {
		return nil, err
	}
	if err := s.checkSubmittable(o, in); err != nil {
		return nil, err
	}
	report, err := s.Readiness(ctx, o.RequirementID, o.PeriodYears)
	if err != nil {
		return nil, err
	}
	if !report.Ready && in.OverrideReason == "" {
		return nil, &OrderNotReadyError{Report: report}
	}
	var req opensrs.SWRegisterRequest
	var contactSet []byte
	if o.Provider == OrderProviderOpenSRS {
		if s.cfg.OpenSRS == nil {
			return nil, errs.New(errs.Unavailable, "OpenSRS is not configured: set OPENSRS_URL, OPENSRS_USERNAME and OPENSRS_KEY.")
		}
		if req, err = s.buildRegister(ctx, o); err != nil {
			return nil, err
		}
		if contactSet, err = json.Marshal(req.ContactSet); err != nil {
			return nil, fmt.Errorf("orders: submit %d: %w", id, err)
		}
	}

	// Step 1: persist submitting, with the reason for any override, before the call.
	from := o.State
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := orderGet(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := s.checkSubmittable(cur, in); err != nil {
			return err
		}
		from = cur.State
		now := s.now()
		cur.State = OrderSubmitting
		cur.submittingSince = &now
		cur.LastError, cur.LastErrorField = "", ""
		if in.OverrideReason != "" && !report.Ready {
			cur.OverrideReason = in.OverrideReason
		}
		if err := orderSave(ctx, tx, cur, contactSet); err != nil {
			return err
		}
		note := "submitted"
		if from == OrderUnknown {
			note = "resubmit confirmed: the user checked the reseller panel and found no order"
		}
		if in.OverrideReason != "" && !report.Ready {
			note += "; readiness overridden: " + in.OverrideReason
		}
		if err := orderAddHistory(ctx, tx, id, now, from, OrderSubmitting, actor.ID, false, note); err != nil {
			return err
		}
		details := map[string]any{"provider": cur.Provider, "product": cur.Product, "ready": report.Ready}
		if !report.Ready {
			var red []string
			for _, it := range report.Items {
				if it.Status == verify.Red {
					red = append(red, it.Key)
				}
			}
			details["override_reason"] = in.OverrideReason
			details["red_items"] = red
			if err := audit.Record(ctx, tx, actor, "order.readiness_override", fmt.Sprintf("order %d", id), map[string]any{
				"override_reason": in.OverrideReason, "red_items": red,
			}); err != nil {
				return err
			}
		}
		if from == OrderUnknown {
			details["resubmit_confirmed"] = true
		}
		return audit.Record(ctx, tx, actor, "order.submit", fmt.Sprintf("order %d", id), details)
	})
	if err != nil {
		return nil, err
	}

	if o.Provider == OrderProviderManual {
		return s.finishSubmit(ctx, actor, id, "", nil)
	}
	// Step 2: the one paid call. Its context is detached from the request's,
	// so a user closing the tab cannot turn a placed order into a lost answer.
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.SubmitTimeout)
	providerID, callErr := s.cfg.OpenSRS.SWRegister(callCtx, req)
	cancel()
	return s.finishSubmit(ctx, actor, id, providerID, callErr)
}

func (s *OrderService) checkSubmittable(o *Order, in OrderSubmit) error {
	switch o.State {
	case OrderDraft:
		return nil
	case OrderUnknown:
		if !in.ConfirmResubmit {
			return errs.Conflictf("Submission outcome unknown: check the reseller panel before retrying. Attach the provider's order id if the order is there, or confirm the resubmit if it is not.")
		}
		return nil
	case OrderSubmitting:
		return errs.Conflictf("Order %d is being submitted right now.", o.ID)
	}
	return errs.Conflictf("Order %d is %s and was already submitted; to change it, cancel it and replace it with a new order.", o.ID, o.State)
}

// finishSubmit records the outcome of sw_register. It runs on a context the
// caller cannot cancel: the outcome must be written whatever happens to the
// request that started it.
func (s *OrderService) finishSubmit(ctx context.Context, actor audit.Actor, id int64, providerID string, callErr error) (*Order, error) {
	ctx = context.WithoutCancel(ctx)
	var result *Order
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		o, err := orderGet(ctx, tx, id, true)
		if err != nil {
			return err
		}
		now := s.now()
		from := o.State
		if from != OrderSubmitting {
			// Recovery declared the outcome unknown while the call was still
			// running. A provider id is still the truth: attach it.
			if callErr != nil || from != OrderUnknown || o.ProviderOrderID != "" {
				result = o
				return nil
			}
		}
		var note string
		var apiErr *opensrs.APIError
		switch {
		case callErr == nil:
			o.State = OrderPending
			o.ProviderOrderID = providerID
			o.SubmittedAt = &now
			next := now.Add(s.cfg.PollInterval)
			o.NextPollAt = &next
			note = "accepted by the provider"
			if providerID != "" {
				note += " as order " + providerID
			}
		case opensrs.NotSent(callErr):
			o.State = OrderDraft
			o.LastError = "The order was not sent: the provider could not be reached (" + orderShortErr(callErr) + "). Nothing was placed; submit again when it is back."
			o.LastErrorField = ""
			note = "not sent: " + orderShortErr(callErr)
		case errors.As(callErr, &apiErr):
			o.State = OrderDraft
			o.LastError = orderProviderMessage(apiErr)
			o.LastErrorField = orderFieldFor(apiErr.Field)
			note = "refused by the provider: " + apiErr.Code + " " + apiErr.Text
		default:
			o.State = OrderUnknown
			o.LastError = "Submission outcome unknown: check the reseller panel before retrying (" + orderShortErr(callErr) + ")."
			o.LastErrorField = ""
			note = "outcome unknown: " + orderShortErr(callErr)
		}
		o.submittingSince = nil
		if err := orderSave(ctx, tx, o, nil); err != nil {
			return err
		}
		if err := orderAddHistory(ctx, tx, id, now, from, o.State, actor.ID, false, note); err != nil {
			return err
		}
		if o.State == OrderPending && o.Provider == OrderProviderOpenSRS && s.scheduler != nil {
			if err := s.scheduler.SchedulePollTx(ctx, tx, id, *o.NextPollAt); err != nil {
				return err
			}
		}
		result = o
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("orders: record submission of %d: %w", id, err)
	}
	if result.State == OrderDraft && result.LastErrorField != "" {
		// Show the provider's words at the field they are about.
		return result, &errs.Error{Code: errs.Invalid, Message: result.LastError,
			Fields: map[string]string{result.LastErrorField: result.LastError}}
	}
	if result.State == OrderDraft && result.LastError != "" {
		return result, &errs.Error{Code: errs.Unavailable, Message: result.LastError}
	}
	return result, nil
}

// orderShortErr is an error's text without the package prefixes.
func orderShortErr(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "opensrs: ")
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

func orderProviderMessage(e *opensrs.APIError) string {
	switch {
	case e.IsAuth():
		return "The provider refused the portal's reseller credentials (" + e.Code + "): an administrator must check OPENSRS_USERNAME, OPENSRS_KEY and the allowed IP addresses. Nothing was placed."
	case opensrs.IsRateLimited(e):
		return "The provider is busy (" + e.Code + " " + e.Text + "). Nothing was placed; submit again in a minute."
	}
	return "The provider refused the order: " + e.Text + " (" + e.Code + "). Nothing was placed; correct it and submit again."
}

// orderFieldFor maps a field the provider names to the field of the order form.
func orderFieldFor(providerField string) string {
	f := strings.ToLower(providerField)
	switch {
	case f == "":
		return ""
	case f == "approver_email":
		return "approver_email"
	case f == "csr" || f == "domain" || f == "additional_domains":
		return "csr_id"
	case f == "product_type":
		return "product"
	case f == "period":
		return "period_years"
	case f == "reg_type", f == "server_type", f == "special_instructions":
		return f
	case strings.HasPrefix(f, "contact_set.admin"):
		return "contacts.admin"
	case strings.HasPrefix(f, "contact_set.billing"):
		return "contacts.billing"
	case strings.HasPrefix(f, "contact_set.tech"):
		return "contacts.tech"
	case strings.HasPrefix(f, "contact_set.organization"), f == "contact_set":
		return "organization"
	}
	return ""
}

// buildRegister assembles sw_register from the order, the client and its contacts.
func (s *OrderService) buildRegister(ctx context.Context, o *Order) (opensrs.SWRegisterRequest, error) {
	var r opensrs.SWRegisterRequest
	req, err := s.requirement(ctx, o.RequirementID)
	if err != nil {
		return r, err
	}
	csr, err := orderGetCSR(ctx, s.pool, o.CSRID)
	if err != nil {
		return r, err
	}
	agency, err := s.agencyBilling(ctx)
	if err != nil {
		return r, err
	}
	client, err := s.cfg.Clients.GetClient(ctx, req.ClientID)
	if err != nil {
		return r, err
	}
	legal := orDefault(client.LegalName, client.DisplayName)
	org := opensrs.Contact{
		OrgName: legal, Address1: client.Address1, Address2: client.Address2, City: client.City, State: client.State,
		PostalCode: client.PostalCode, Country: strings.ToUpper(client.Country), Phone: client.Phone,
	}
	// People at the client carry the client's address; the agency's people
	// (the engineer, the billing contact) the agency's.
	agencyAddr := org
	if agency != nil && agency.OrgName != "" {
		agencyAddr = opensrs.Contact{OrgName: agency.OrgName, Address1: agency.Address1, Address2: agency.Address2,
			City: agency.City, State: agency.State, PostalCode: agency.PostalCode, Country: strings.ToUpper(agency.Country), Phone: agency.Phone}
	}
	person := func(id int64, addr opensrs.Contact) (opensrs.Contact, error) {
		if id == 0 {
			return opensrs.Contact{}, nil
		}
		c, err := s.cfg.Clients.GetContact(ctx, id)
		if errs.CodeOf(err) == errs.NotFound {
			return opensrs.Contact{}, nil
		}
		if err != nil {
			return opensrs.Contact{}, err
		}
		p := addr
		p.FirstName, p.LastName, p.Title, p.Email = c.FirstName, c.LastName, c.Title, c.Email
		if c.Phone != "" {
			p.Phone = c.Phone
		}
		return p, nil
	}
	var cs opensrs.ContactSet
	cs.Organization = org
	if cs.Admin, err = person(o.Contacts.Admin, org); err != nil {
		return r, err
	}
	if cs.Tech, err = person(o.Contacts.Tech, agencyAddr); err != nil {
		return r, err
	}
	if o.Contacts.Billing != 0 {
		if cs.Billing, err = person(o.Contacts.Billing, org); err != nil {
			return r, err
		}
	} else if agency != nil {
		cs.Billing = opensrs.Contact{FirstName: agency.FirstName, LastName: agency.LastName, Title: agency.Title,
			OrgName: agency.OrgName, Address1: agency.Address1, Address2: agency.Address2, City: agency.City,
			State: agency.State, PostalCode: agency.PostalCode, Country: strings.ToUpper(agency.Country),
			Phone: agency.Phone, Email: agency.Email}
	}
	var extra []string
	for _, san := range csr.SANs {
		if !strings.EqualFold(san, csr.CommonName) && !strings.EqualFold("*."+san, csr.CommonName) {
			extra = append(extra, san)
		}
	}
	return opensrs.SWRegisterRequest{
		RegType: o.RegType, ProductType: o.Product, Period: o.PeriodYears, CSR: csr.PEM,
		Domain: csr.CommonName, ApproverEmail: o.ApproverEmail, ServerType: o.ServerType,
		SpecialInstructions: o.SpecialInstructions, Handle: opensrs.HandleProcess,
		ContactSet: cs, AdditionalDomains: extra,
	}, nil
}

// RecoverSubmissions turns orders left in submitting for longer than
// olderThan (a process died mid-call) into unknown. They are never resent.
func (s *OrderService) RecoverSubmissions(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := s.now().Add(-olderThan)
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			UPDATE orders SET state = 'unknown', submitting_since = NULL, updated_at = now(),
				last_error = 'Submission outcome unknown: the portal stopped while the order was being sent. Check the reseller panel before retrying.'
			WHERE state = 'submitting' AND submitting_since <= $1 RETURNING id`, cutoff)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := orderAddHistory(ctx, tx, id, s.now(), OrderSubmitting, OrderUnknown, 0, false,
				"outcome unknown: the portal stopped before the provider answered; not resent"); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("orders: recover submissions: %w", err)
	}
	if n > 0 {
		s.log.Warn("orders left submitting by a stopped process are now unknown", "count", n)
	}
	return n, nil
}

// Attach records the provider's order id for an order whose submission
// outcome was unknown, after the user found it in the reseller panel.
func (s *OrderService) Attach(ctx context.Context, actor audit.Actor, id int64, providerOrderID string) (*Order, error) {
	providerOrderID = strings.TrimSpace(providerOrderID)
	if providerOrderID == "" || len(providerOrderID) > 64 || strings.ContainsAny(providerOrderID, " \t\r\n") {
		return nil, errs.Field("provider_order_id", "Enter the order id the reseller panel shows, like 3000001.")
	}
	var out *Order
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		o, err := orderGet(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if o.State != OrderUnknown {
			return errs.Conflictf("Only an order whose submission outcome is unknown takes a provider order id; order %d is %s.", id, o.State)
		}
		now := s.now()
		from := o.State
		o.State, o.ProviderOrderID, o.LastError, o.LastErrorField = OrderPending, providerOrderID, "", ""
		if o.SubmittedAt == nil {
			o.SubmittedAt = &now
		}
		o.NextPollAt = &now
		if err := orderSave(ctx, tx, o, nil); err != nil {
			return err
		}
		if err := orderAddHistory(ctx, tx, id, now, from, OrderPending, actor.ID, false, "attached provider order "+providerOrderID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, "order.attach", fmt.Sprintf("order %d", id), map[string]any{"provider_order_id": providerOrderID}); err != nil {
			return err
		}
		if s.scheduler != nil && o.Provider == OrderProviderOpenSRS {
			if err := s.scheduler.SchedulePollTx(ctx, tx, id, now); err != nil {
				return err
			}
		}
		out = o
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// OrderPollResult says what a poll found and when to poll again.
type OrderPollResult struct {
	Polled      bool          // the provider was asked
	Busy        bool          // another poll holds the order
	Done        bool          // nothing more to follow
	RateLimited bool          // the provider asked us to slow down
	Next        time.Duration // when to poll again, unless Done
	State       OrderState
	Err         error // the provider or intake failure, if any
}

// Poll asks the provider about an order once and records what changed: the
// state (one history row per change), and on completion the certificate.
// Errors of the provider are recorded on the order and reflected in the
// result's backoff; only database failures are returned as errors.
func (s *OrderService) Poll(ctx context.Context, id int64) (OrderPollResult, error) {
	return s.poll(ctx, audit.System, id)
}

// PollIfDue is Poll for background jobs: an order not due yet (its
// next_poll_at is ahead) is not polled, and the result says how long to wait.
func (s *OrderService) PollIfDue(ctx context.Context, id int64) (OrderPollResult, error) {
	o, err := orderGet(ctx, s.pool, id, false)
	if errs.CodeOf(err) == errs.NotFound {
		return OrderPollResult{Done: true}, nil
	}
	if err != nil {
		return OrderPollResult{}, err
	}
	if o.Provider != OrderProviderOpenSRS || o.ProviderOrderID == "" || !o.State.AtProvider() {
		return OrderPollResult{Done: true, State: o.State}, nil
	}
	if o.NextPollAt != nil {
		// A little early is on time: jobs wake up with some jitter.
		if wait := o.NextPollAt.Sub(s.now()); wait > 50*time.Millisecond {
			return OrderPollResult{Next: wait, State: o.State}, nil
		}
	}
	return s.poll(ctx, audit.System, id)
}

// Refresh polls an order now ("Check now"), for any user.
func (s *OrderService) Refresh(ctx context.Context, actor audit.Actor, id int64) (*Order, error) {
	o, err := orderGet(ctx, s.pool, id, false)
	if err != nil {
		return nil, err
	}
	if o.Provider != OrderProviderOpenSRS || o.ProviderOrderID == "" || !o.State.AtProvider() {
		return nil, errs.Conflictf("Order %d is %s: there is nothing to ask the provider.", id, o.State)
	}
	if s.cfg.OpenSRS == nil {
		return nil, errs.New(errs.Unavailable, "OpenSRS is not configured.")
	}
	res, err := s.poll(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if res.Busy {
		return nil, errs.Conflictf("The portal is checking order %d right now; reload in a moment.", id)
	}
	o, err = orderGet(ctx, s.pool, id, false)
	if err != nil {
		return nil, err
	}
	if res.Err != nil {
		return o, &errs.Error{Code: errs.Unavailable, Message: "The provider could not be asked: " + o.LastError, Err: res.Err}
	}
	return o, nil
}

func (s *OrderService) poll(ctx context.Context, actor audit.Actor, id int64) (OrderPollResult, error) {
	if s.cfg.OpenSRS == nil {
		return OrderPollResult{Done: true}, nil
	}
	lease := s.cfg.PollTimeout*2 + 30*time.Second
	ok, err := orderClaimPoll(ctx, s.pool, id, lease)
	if err != nil {
		return OrderPollResult{}, err
	}
	if !ok {
		o, err := orderGet(ctx, s.pool, id, false)
		if err != nil {
			if errs.CodeOf(err) == errs.NotFound {
				return OrderPollResult{Done: true}, nil
			}
			return OrderPollResult{}, err
		}
		if o.Provider != OrderProviderOpenSRS || o.ProviderOrderID == "" || !o.State.AtProvider() {
			return OrderPollResult{Done: true, State: o.State}, nil
		}
		return OrderPollResult{Busy: true, Next: s.cfg.PollTimeout, State: o.State}, nil
	}
	defer func() {
		_ = orderReleasePoll(context.WithoutCancel(ctx), s.pool, id)
	}()
	o, err := orderGet(ctx, s.pool, id, false)
	if err != nil {
		return OrderPollResult{}, err
	}
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.PollTimeout)
	info, callErr := s.cfg.OpenSRS.GetOrderInfo(callCtx, o.ProviderOrderID)
	cancel()
	res := OrderPollResult{Polled: true, State: o.State}
	if callErr != nil {
		return s.pollFailed(ctx, o, callErr)
	}
	to := OrderState(info.State)
	if !slices.Contains(providerStates, to) {
		return s.pollFailed(ctx, o, fmt.Errorf("the provider reported an unknown state %q", info.State))
	}
	var certID int64
	var intakeErr error
	if to == OrderCompleted {
		certID, intakeErr = s.fetchCertificate(ctx, o, info)
	}
	now := s.now()
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := orderGet(ctx, tx, id, true)
		if err != nil {
			return err
		}
		cur.PolledAt = &now
		cur.PollFailures = 0
		cur.LastError, cur.LastErrorField = "", ""
		if info.ProductID != "" {
			cur.ProviderProductID = info.ProductID
		}
		moves := []OrderState{}
		if to != cur.State && cur.State != OrderCompleted {
			moves = append(moves, to)
		}
		if to == OrderCompleted {
			if intakeErr != nil {
				cur.LastError = "The certificate could not be taken in: " + orderShortErr(intakeErr)
			} else {
				moves = append(moves, OrderIssued)
				cur.CertificateID = certID
			}
		}
		for _, next := range moves {
			if err := orderCheckMove(cur.State, next); err != nil {
				return err
			}
			note := "provider state " + info.State
			if next == OrderIssued {
				note = fmt.Sprintf("certificate %d taken in from the provider", certID)
			}
			if err := orderAddHistory(ctx, tx, id, now, cur.State, next, actor.ID, actor.ID == 0, note); err != nil {
				return err
			}
			cur.State = next
		}
		if !cur.State.Final() {
			nextAt := now.Add(s.cfg.PollInterval)
			cur.NextPollAt = &nextAt
		} else {
			cur.NextPollAt = nil
		}
		res.State = cur.State
		return orderSave(ctx, tx, cur, nil)
	})
	if err != nil {
		return OrderPollResult{}, fmt.Errorf("orders: record poll of %d: %w", id, err)
	}
	res.Done = res.State.Final()
	res.Next = s.cfg.PollInterval
	res.Err = intakeErr
	if intakeErr != nil {
		s.log.Warn("certificate intake failed", "order", id, "error", intakeErr.Error())
	}
	return res, nil
}

// pollFailed records a failed poll and backs off.
func (s *OrderService) pollFailed(ctx context.Context, o *Order, callErr error) (OrderPollResult, error) {
	now := s.now()
	o.PollFailures++
	delay := orderPollDelay(s.cfg.PollInterval, o.PollFailures)
	next := now.Add(delay)
	o.NextPollAt = &next
	o.PolledAt = &now
	limited := opensrs.IsRateLimited(callErr)
	if limited {
		o.LastError = fmt.Sprintf("The provider asked the portal to slow down (%s); next check %s.", orderShortErr(callErr), next.Format(time.RFC3339))
	} else {
		o.LastError = fmt.Sprintf("The last check failed (%s); next check %s.", orderShortErr(callErr), next.Format(time.RFC3339))
	}
	o.LastErrorField = ""
	if err := orderSave(ctx, s.pool, o, nil); err != nil {
		return OrderPollResult{}, err
	}
	s.log.Info("order poll failed", "order", o.ID, "failures", o.PollFailures, "next_in", delay, "error", callErr.Error())
	return OrderPollResult{Polled: true, RateLimited: limited, Next: delay, State: o.State, Err: callErr}, nil
}

// fetchCertificate gets the issued certificate with its CA certificates and
// hands it to the intake.
func (s *OrderService) fetchCertificate(ctx context.Context, o *Order, info *opensrs.OrderInfo) (int64, error) {
	if s.cfg.Intake == nil {
		return 0, errors.New("certificate intake is not available in this build")
	}
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.PollTimeout)
	defer cancel()
	var cd *opensrs.CertData
	var err error
	if info.ProductID != "" {
		cd, err = s.cfg.OpenSRS.GetCert(callCtx, info.ProductID)
	} else {
		cd, err = s.cfg.OpenSRS.GetCertByOrderID(callCtx, o.ProviderOrderID)
	}
	if err != nil {
		return 0, err
	}
	bundle := cd.Certificate
	for _, ca := range cd.CACertificates {
		bundle += ca
	}
	return s.cfg.Intake.IntakeFromProvider(ctx, o.CSRID, []byte(bundle), "opensrs order "+o.ProviderOrderID)
}

// ResendApproval asks the CA to send the approval email again.
func (s *OrderService) ResendApproval(ctx context.Context, actor audit.Actor, id int64) error {
	o, err := orderGet(ctx, s.pool, id, false)
	if err != nil {
		return err
	}
	if o.Provider != OrderProviderOpenSRS || o.State != OrderAwaitingApproval {
		return errs.Conflictf("The approval email can only be resent while an OpenSRS order awaits approval; order %d is %s.", id, o.State)
	}
	if s.cfg.OpenSRS == nil {
		return errs.New(errs.Unavailable, "OpenSRS is not configured.")
	}
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.PollTimeout)
	defer cancel()
	if err := s.cfg.OpenSRS.ResendApproveEmail(callCtx, o.ProviderOrderID); err != nil {
		return orderCallError("resend the approval email", err)
	}
	return audit.Record(ctx, s.pool, actor, "order.resend_approval", fmt.Sprintf("order %d", id), map[string]any{"approver_email": o.ApproverEmail})
}

// orderCallError turns a failed provider call into an error a user can act on.
func orderCallError(what string, err error) error {
	var apiErr *opensrs.APIError
	switch {
	case errors.As(err, &apiErr):
		return &errs.Error{Code: errs.Conflict, Message: "The provider refused to " + what + ": " + apiErr.Text + " (" + apiErr.Code + ").", Err: err}
	case opensrs.NotSent(err):
		return &errs.Error{Code: errs.Unavailable, Message: "The provider could not be reached; nothing was sent. Try again later.", Err: err}
	}
	return &errs.Error{Code: errs.Unavailable, Message: "The provider's answer was lost; check the order again before retrying.", Err: err}
}

// Cancel cancels an order with a reason: at the provider when it holds the
// order, locally for drafts and orders whose submission outcome is unknown.
func (s *OrderService) Cancel(ctx context.Context, actor audit.Actor, id int64, reason string) (*Order, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, errs.Field("reason", "Say why the order is cancelled.")
	}
	if len(reason) > 1000 {
		return nil, errs.Field("reason", "Keep the reason under 1,000 characters.")
	}
	o, err := orderGet(ctx, s.pool, id, false)
	if err != nil {
		return nil, err
	}
	note := "cancelled: " + reason
	switch {
	case o.State == OrderDraft || o.State == OrderUnknown:
		if o.State == OrderUnknown {
			note += " (outcome was unknown: if an order exists in the reseller panel, cancel it there too)"
		}
	case o.State.AtProvider() && o.State != OrderCompleted:
		if o.Provider == OrderProviderOpenSRS {
			if s.cfg.OpenSRS == nil {
				return nil, errs.New(errs.Unavailable, "OpenSRS is not configured.")
			}
			callCtx, cancel := context.WithTimeout(ctx, s.cfg.PollTimeout)
			err := s.cfg.OpenSRS.CancelOrder(callCtx, o.ProviderOrderID)
			cancel()
			if err != nil {
				return nil, orderCallError("cancel the order", err)
			}
			note += " (cancelled at OpenSRS)"
		}
	default:
		return nil, errs.Conflictf("Order %d is %s and cannot be cancelled.", id, o.State)
	}
	var out *Order
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := orderGet(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if cur.State == OrderCancelled {
			out = cur
			return nil
		}
		if err := orderCheckMove(cur.State, OrderCancelled); err != nil {
			return errs.Conflictf("Order %d is %s and cannot be cancelled.", id, cur.State)
		}
		now := s.now()
		from := cur.State
		cur.State, cur.CancelReason, cur.NextPollAt = OrderCancelled, reason, nil
		if err := orderSave(ctx, tx, cur, nil); err != nil {
			return err
		}
		if err := orderAddHistory(ctx, tx, id, now, from, OrderCancelled, actor.ID, false, note); err != nil {
			return err
		}
		out = cur
		return audit.Record(ctx, tx, actor, "order.cancel", fmt.Sprintf("order %d", id), map[string]any{"reason": reason, "from": string(from)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Replace copies an order into a new draft that replaces it: after a
// submission, corrections mean cancel and order again.
func (s *OrderService) Replace(ctx context.Context, actor audit.Actor, id int64) (*Order, error) {
	var newID int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		o, err := orderGet(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if o.State == OrderDraft || o.State == OrderSubmitting {
			return errs.Conflictf("Order %d is %s: edit or submit it instead of replacing it.", id, o.State)
		}
		in := OrderInput{RequirementID: o.RequirementID, CSRID: o.CSRID, Provider: o.Provider, Product: o.Product,
			PeriodYears: o.PeriodYears, RegType: o.RegType, ApproverEmail: o.ApproverEmail, Contacts: o.Contacts,
			ServerType: o.ServerType, SpecialInstructions: o.SpecialInstructions}
		if newID, err = orderInsert(ctx, tx, in, actor.ID, id); err != nil {
			return err
		}
		if err := orderAddHistory(ctx, tx, newID, s.now(), "", OrderDraft, actor.ID, false, fmt.Sprintf("copy of order %d, which it replaces", id)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "order.replace", fmt.Sprintf("order %d", id), map[string]any{"new_order_id": newID})
	})
	if err != nil {
		return nil, err
	}
	return orderGet(ctx, s.pool, newID, false)
}

// SetManualState moves an order bought elsewhere (provider manual) to the
// state its seller reports. certificateID is required for issued.
func (s *OrderService) SetManualState(ctx context.Context, actor audit.Actor, id int64, state OrderState, note string, certificateID int64) (*Order, error) {
	allowed := []OrderState{OrderPending, OrderInProgress, OrderAwaitingApproval, OrderApproverConfirmed, OrderIssued, OrderDeclined, OrderCancelled}
	if !slices.Contains(allowed, state) {
		return nil, errs.Field("state", "Choose one of pending, in-progress, awaiting-approval, approver-confirmed, issued, declined, cancelled.")
	}
	var out *Order
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		o, err := orderGet(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if o.Provider != OrderProviderManual {
			return errs.Conflictf("Order %d is followed at %s; its state comes from the provider.", id, o.Provider)
		}
		if o.State == OrderDraft {
			return errs.Conflictf("Submit order %d first.", id)
		}
		if o.State.Final() {
			return errs.Conflictf("Order %d is %s and will not move again.", id, o.State)
		}
		if state == o.State {
			return errs.Conflictf("Order %d is already %s.", id, state)
		}
		if state == OrderIssued {
			if certificateID <= 0 {
				return errs.Field("certificate_id", "Give the certificate this order produced (upload it first).")
			}
			var csrID int64
			err := tx.QueryRow(ctx, `SELECT csr_id FROM certificates WHERE id = $1`, certificateID).Scan(&csrID)
			if errors.Is(err, pgx.ErrNoRows) || (err == nil && csrID != o.CSRID) {
				return errs.Field("certificate_id", "Choose a certificate issued for this order's CSR.")
			}
			if err != nil {
				return err
			}
			o.CertificateID = certificateID
		}
		now := s.now()
		from := o.State
		o.State = state
		if err := orderSave(ctx, tx, o, nil); err != nil {
			return err
		}
		if err := orderAddHistory(ctx, tx, id, now, from, state, actor.ID, false, strings.TrimSpace(note)); err != nil {
			return err
		}
		out = o
		return audit.Record(ctx, tx, actor, "order.state", fmt.Sprintf("order %d", id), map[string]any{"from": string(from), "to": string(state)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// OrderApprover is an address the CA may send the domain-control email to.
type OrderApprover struct {
	Domain string `json:"domain"`
	Email  string `json:"email"`
	Source string `json:"source"` // "opensrs" or "whois admin (rdap)"...
}

// ApproverChoices lists the approver emails for a CSR and product: the
// provider's query_approver_list, plus the admin and registrant emails of
// the requirement's latest domain checks. A provider failure is reported
// beside whatever the domain checks offer.
func (s *OrderService) ApproverChoices(ctx context.Context, csrID int64, product string) ([]OrderApprover, error) {
	csr, err := orderGetCSR(ctx, s.pool, csrID)
	if err != nil {
		return nil, err
	}
	if product == "" {
		product = opensrs.ProductSSL123
	}
	if !slices.Contains(opensrs.ThawteProducts(), product) {
		return nil, errs.Field("product", "Choose one of "+strings.Join(opensrs.ThawteProducts(), ", ")+".")
	}
	var out []OrderApprover
	seen := map[string]bool{}
	add := func(a OrderApprover) {
		if a.Email != "" && !seen[a.Email] {
			seen[a.Email] = true
			out = append(out, a)
		}
	}
	var provErr error
	if s.cfg.OpenSRS != nil {
		callCtx, cancel := context.WithTimeout(ctx, s.cfg.PollTimeout)
		list, err := s.cfg.OpenSRS.QueryApproverList(callCtx, csr.CommonName, product)
		cancel()
		if err != nil {
			provErr = orderCallError("list approver emails", err)
		}
		for _, a := range list {
			add(OrderApprover{Domain: a.Domain, Email: strings.ToLower(a.Email), Source: "opensrs"})
		}
	}
	whois, err := orderRegistrationEmails(ctx, s.pool, csr.RequirementID)
	if err != nil {
		return nil, err
	}
	base, _ := publicsuffix.EffectiveTLDPlusOne(strings.TrimPrefix(csr.CommonName, "*."))
	for _, a := range whois {
		if base == "" || a.Domain == base || strings.HasSuffix(base, "."+a.Domain) || strings.HasSuffix(a.Domain, base) {
			add(a)
		}
	}
	if len(out) == 0 && provErr != nil {
		return nil, provErr
	}
	return out, nil
}

// OrderFormOptions is what the new-order form offers.
type OrderFormOptions struct {
	Requirements  []OrderRequirementOption
	CSRs          []OrderCSR
	Contacts      []clients.Contact
	AgencyBilling *clients.AgencyBillingContact
	ClientName    string
	Hostnames     []string
}

// FormOptions lists the requirements, and for the chosen one its CSRs and
// the client's contacts.
func (s *OrderService) FormOptions(ctx context.Context, requirementID int64) (OrderFormOptions, error) {
	var f OrderFormOptions
	var err error
	if f.Requirements, err = orderRequirementOptions(ctx, s.pool); err != nil {
		return f, err
	}
	if f.AgencyBilling, err = s.agencyBilling(ctx); err != nil {
		return f, err
	}
	if requirementID == 0 {
		return f, nil
	}
	req, err := s.requirement(ctx, requirementID)
	if err != nil {
		return f, err
	}
	f.ClientName, f.Hostnames = req.ClientName, req.Hostnames
	if f.CSRs, err = orderListCSRs(ctx, s.pool, requirementID); err != nil {
		return f, err
	}
	if f.Contacts, err = s.cfg.Clients.ListContacts(ctx, req.ClientID); err != nil {
		return f, err
	}
	return f, nil
}

// PollTargets lists the orders polling follows.
func (s *OrderService) PollTargets(ctx context.Context) ([]OrderPollTarget, error) {
	return orderPollTargets(ctx, s.pool)
}
