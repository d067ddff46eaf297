package orders

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"golang.org/x/net/publicsuffix"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/errs"
)

// Create records a draft order after checking that the requirement, the CSR
// and the contacts belong together.
func (s *OrderService) Create(ctx context.Context, actor audit.Actor, in OrderInput) (*Order, error) {
	in.normalize()
	if in.Provider == "" {
		in.Provider = s.DefaultProvider().Name
	}
	if err := s.validate(in); err != nil {
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
	return s.get(ctx, s.pool, id, false)
}

// validate checks in against the provider it names.
func (s *OrderService) validate(in OrderInput) error {
	var info ProviderInfo
	if p := s.provider(in.Provider); p != nil {
		info = p.Info()
	}
	return in.Validate(info, s.names)
}

// checkInput checks the references of an order against the database.
func (s *OrderService) checkInput(ctx context.Context, tx pgx.Tx, in OrderInput) error {
	req, err := s.requirement(ctx, in.RequirementID)
	if err != nil {
		return err
	}
	var info ProviderInfo
	if p := s.provider(in.Provider); p != nil {
		info = p.Info()
	}
	f := errs.FieldErrors{}
	csr, err := s.csr(ctx, in.CSRID)
	if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
		f.Add("csr_id", "There is no such CSR.")
	} else if err != nil {
		return err
	} else if csr.RequirementID != in.RequirementID {
		f.Add("csr_id", "This CSR was made for another requirement.")
	} else if product, ok := info.Product(in.Product); ok {
		wild := strings.HasPrefix(csr.CommonName, "*.")
		if product.Wildcard && !wild {
			f.Add("product", "The wildcard product needs a CSR whose common name starts with *.")
		}
		if !product.Wildcard && wild {
			var names []string
			for _, p := range info.Products {
				if p.Wildcard {
					names = append(names, p.Code)
				}
			}
			f.Add("product", "A wildcard CSR needs the wildcard product ("+strings.Join(names, ", ")+").")
		}
		if !product.SANs && len(extraNames(csr)) > 0 {
			f.Add("product", "This product covers one name; the CSR names more.")
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
	if checker, ok := s.provider(in.Provider).(OrderChecker); ok && err == nil && f["csr_id"] == "" {
		names := csrNames(csr)
		if cerr := checker.CheckOrder(ctx, in, names); cerr != nil {
			e, ok := errs.As(cerr)
			if !ok || len(e.Fields) == 0 {
				return cerr
			}
			for k, v := range e.Fields {
				f.Add(k, v)
			}
		}
	}
	if !info.ByHand && !info.Automated && in.Contacts.Billing == 0 {
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

// OrderApprover is an address the CA may send the domain-control email to.
type OrderApprover struct {
	Domain string `json:"domain"`
	Email  string `json:"email"`
	Source string `json:"source"` // the provider's name, or "whois admin (rdap)"...
}

// ApproverChoices lists the approver emails for a CSR and product (default
// the catalogue's first domain-validated one): the first provider with a
// catalogue offers its list, plus the admin and registrant emails of
// the requirement's latest domain checks. A provider failure is reported
// beside whatever the domain checks offer.
func (s *OrderService) ApproverChoices(ctx context.Context, csrID int64, product string) ([]OrderApprover, error) {
	csr, err := s.csr(ctx, csrID)
	if err != nil {
		return nil, err
	}
	var prov Provider
	var info ProviderInfo
	for _, n := range s.names {
		if i := s.providers[n].Info(); len(i.Products) > 0 {
			prov, info = s.providers[n], i
			break
		}
	}
	if prov != nil {
		if product == "" {
			for _, p := range info.Products {
				if p.Validation == ValidationDomain {
					product = p.Code
					break
				}
			}
		}
		if _, ok := info.Product(product); !ok {
			return nil, errs.Field("product", "Choose one of "+strings.Join(info.ProductCodes(), ", ")+".")
		}
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
	if prov != nil && info.Unconfigured == "" {
		callCtx, cancel := context.WithTimeout(ctx, s.cfg.PollTimeout)
		list, err := prov.ApproverChoices(callCtx, csr.CommonName, product)
		cancel()
		if err != nil {
			provErr = orderCallError("list approver emails", err)
		}
		for _, a := range list {
			add(a)
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
	// Requirements are the first requirements by client and project name,
	// and the chosen one when the cap left it out; RequirementsMore says
	// there are more than the list shows.
	Requirements     []OrderRequirementOption
	RequirementsMore bool
	CSRs             []certs.CSR
	Contacts         []clients.Contact
	AgencyBilling    *clients.AgencyBillingContact
	ClientName       string
	Hostnames        []string
	// Validation is the requirement's validation level (dv, ov or ev).
	Validation string
}

// FormOptions lists the requirements, and for the chosen one its CSRs and
// the client's contacts.
func (s *OrderService) FormOptions(ctx context.Context, requirementID int64) (OrderFormOptions, error) {
	var f OrderFormOptions
	var err error
	if f.Requirements, f.RequirementsMore, err = orderRequirementOptions(ctx, s.pool, RequirementChoices); err != nil {
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
	f.ClientName, f.Hostnames, f.Validation = req.ClientName, req.Hostnames, req.Validation
	if !slices.ContainsFunc(f.Requirements, func(o OrderRequirementOption) bool { return o.ID == requirementID }) {
		f.Requirements = append(f.Requirements, requirementOption(req.ID, req.ClientName, req.ProjectName, req.Hostnames))
	}
	if f.CSRs, err = s.cfg.CSRs.CSRs(ctx, requirementID); err != nil {
		return f, err
	}
	if f.Contacts, err = s.cfg.Clients.ListContacts(ctx, req.ClientID); err != nil {
		return f, err
	}
	return f, nil
}
