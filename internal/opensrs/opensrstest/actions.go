package opensrstest

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/certportal/certportal/internal/opensrs"
)

// phonePattern is the documented OpenSRS phone format: +1.4165550123x1812.
var phonePattern = regexp.MustCompile(`^\+[0-9]{1,3}\.[0-9]{4,14}(x[0-9]{1,6})?$`)

// Fields the simulator requires of each contact. The real service documents
// title as required for Thawte admin, billing and tech; the rest is what
// the CA needs to verify an organization. Thawte's organization contact has
// no title or email.
func requiredContactFields(role string) []string {
	if role == "organization" {
		return []string{"org_name", "address1", "city", "country", "phone"}
	}
	return []string{"first_name", "last_name", "title", "org_name", "address1", "city", "country", "phone", "email"}
}

func (s *Server) swRegister(a map[string]any) reply {
	for _, f := range []string{"reg_type", "product_type", "contact_set", "csr", "domain", "period"} {
		if isEmpty(a[f]) {
			return missing(f)
		}
	}
	regType := stringAt(a, "reg_type")
	if !slices.Contains([]string{"new", "renew", "upgrade", "transfer"}, regType) {
		return invalid("reg_type", "%q is not one of new, renew, upgrade, transfer", regType)
	}
	product := stringAt(a, "product_type")
	if !slices.Contains(opensrs.ThawteProducts(), product) {
		return invalid("product_type", "%q is not a product of this reseller", product)
	}
	period, err := strconv.Atoi(strings.TrimSpace(stringAt(a, "period")))
	if err != nil || period < 1 || period > 2 {
		return invalid("period", "must be 1 or 2 years")
	}
	handle := stringAt(a, "handle")
	if handle == "" {
		handle = opensrs.HandleProcess
	}
	if handle != opensrs.HandleProcess && handle != opensrs.HandleSave {
		return invalid("handle", "%q is not process or save", handle)
	}
	cs, ok := a["contact_set"].(map[string]any)
	if !ok {
		return invalid("contact_set", "must be an associative array")
	}
	if rep, bad := checkContacts(cs); bad {
		return rep
	}
	domain := strings.ToLower(strings.TrimSpace(stringAt(a, "domain")))
	if rep, bad := checkDomain(domain, product); bad {
		return rep
	}
	csr, rep, bad := parseCSR(stringAt(a, "csr"))
	if bad {
		return rep
	}
	if !strings.EqualFold(csr.Subject.CommonName, domain) {
		return invalid("csr", "common name %q does not match domain %q", csr.Subject.CommonName, domain)
	}
	approver := strings.TrimSpace(stringAt(a, "approver_email"))
	if product == opensrs.ProductSSL123 {
		if approver == "" {
			return missing("approver_email")
		}
		if !slices.Contains(s.approverEmails(domain), strings.ToLower(approver)) {
			return invalid("approver_email", "%q is not an approver for %s", approver, domain)
		}
	}

	o := &order{
		Order: Order{
			RegType:             regType,
			ProductType:         product,
			Domain:              domain,
			Period:              period,
			ApproverEmail:       approver,
			ServerType:          stringAt(a, "server_type"),
			SpecialInstructions: stringAt(a, "special_instructions"),
			Handle:              handle,
			CSR:                 stringAt(a, "csr"),
			ContactSet:          cloneAssoc(cs),
		},
		csr: csr,
	}
	s.mu.Lock()
	s.newOrderLocked(o)
	attrs := map[string]any{"order_id": o.ID, "state": o.State, "domain": o.Domain}
	s.mu.Unlock()
	return success(attrs)
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(t) == ""
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}

func checkContacts(cs map[string]any) (reply, bool) {
	for _, role := range []string{"admin", "billing", "tech", "organization"} {
		c, ok := cs[role].(map[string]any)
		if !ok || len(c) == 0 {
			return missing("contact_set." + role), true
		}
		for _, f := range requiredContactFields(role) {
			if isEmpty(c[f]) {
				return missing("contact_set." + role + "." + f), true
			}
		}
		field := "contact_set." + role + "."
		if country := stringAt(c, "country"); len(country) != 2 || strings.ToUpper(country) != country {
			return invalid(field+"country", "%q is not an ISO 3166 two-letter code", country), true
		}
		if phone := stringAt(c, "phone"); !phonePattern.MatchString(phone) {
			return invalid(field+"phone", "%q is not in the format +1.4165550123", phone), true
		}
		if email := stringAt(c, "email"); email != "" {
			if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
				return invalid(field+"email", "%q is not an email address", email), true
			}
		}
	}
	return reply{}, false
}

var errBadDomain = errors.New("not a domain name")

func checkDomain(domain, product string) (reply, bool) {
	wildcard := strings.HasPrefix(domain, "*.")
	if product == opensrs.ProductSSLWebServerWildcard && !wildcard {
		return invalid("domain", "wildcard products need a domain starting with *."), true
	}
	if product != opensrs.ProductSSLWebServerWildcard && wildcard {
		return invalid("domain", "%s does not cover wildcard names", product), true
	}
	if err := validHostname(strings.TrimPrefix(domain, "*.")); err != nil {
		return invalid("domain", "%q: %v", domain, err), true
	}
	return reply{}, false
}

func validHostname(h string) error {
	if len(h) > 253 || !strings.Contains(h, ".") {
		return errBadDomain
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return errBadDomain
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return errBadDomain
			}
		}
	}
	return nil
}

// parseCSR reads a PEM CSR and checks its self-signature and key size.
func parseCSR(text string) (*x509.CertificateRequest, reply, bool) {
	b, _ := pem.Decode([]byte(strings.TrimSpace(text)))
	if b == nil || (b.Type != "CERTIFICATE REQUEST" && b.Type != "NEW CERTIFICATE REQUEST") {
		return nil, invalid("csr", "not a PEM certificate request"), true
	}
	csr, err := x509.ParseCertificateRequest(b.Bytes)
	if err != nil {
		return nil, invalid("csr", "cannot be parsed: %v", err), true
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, invalid("csr", "bad signature: %v", err), true
	}
	switch k := csr.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, invalid("csr", "RSA keys must be at least 2048 bits"), true
		}
	case *ecdsa.PublicKey:
	default:
		return nil, invalid("csr", "unsupported key type %T", csr.PublicKey), true
	}
	if csr.Subject.CommonName == "" {
		return nil, invalid("csr", "no common name"), true
	}
	return csr, reply{}, false
}

// withOrder runs f on the order the request's order_id names, with the server
// locked; a missing or unknown order_id is the reply instead.
func (s *Server) withOrder(a map[string]any, f func(id string, o *order) reply) reply {
	id := strings.TrimSpace(stringAt(a, "order_id"))
	if id == "" {
		return missing("order_id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return failure(opensrs.CodeNotFound, "Order %s not found", id)
	}
	return f(id, o)
}

func (s *Server) getOrderInfo(a map[string]any) reply {
	return s.withOrder(a, func(_ string, o *order) reply {
		if s.opts.AdvanceOnPoll {
			if next, ok := nextState(o.State); ok {
				if err := s.setStateLocked(o, next); err != nil {
					return failure(opensrs.CodeInternalError, "Internal error")
				}
			}
		}
		return success(orderAttrs(o))
	})
}

func (s *Server) getCert(a map[string]any) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		o  *order
		ok bool
	)
	switch {
	case stringAt(a, "product_id") != "":
		id := strings.TrimSpace(stringAt(a, "product_id"))
		if o, ok = s.byProduct[id]; !ok {
			return failure(opensrs.CodeNotFound, "Product %s not found", id)
		}
	case stringAt(a, "order_id") != "":
		id := strings.TrimSpace(stringAt(a, "order_id"))
		if o, ok = s.orders[id]; !ok {
			return failure(opensrs.CodeNotFound, "Order %s not found", id)
		}
	default:
		return missing("product_id")
	}
	// The service documents get_cert for completed orders only; its exact
	// refusal is not documented, so this one names the state.
	if o.Certificate == nil || o.State != opensrs.StateCompleted {
		return failure(opensrs.CodeInvalidData, "Certificate not available: order %s is %s, not completed", o.ID, o.State)
	}
	cert := o.Certificate
	certData := map[string]any{"certificate": pemCert(cert)}
	if stringAt(a, "return_ca_certs") == "1" {
		certData["ca_certificates"] = []any{
			map[string]any{"type": "INTERMEDIATE", "ca_certificate": pemCert(s.ca.intermediate)},
			map[string]any{"type": "ROOT", "ca_certificate": pemCert(s.ca.root)},
		}
	}
	if stringAt(a, "return_pkcs7_cert") == "1" {
		p7, err := pkcs7PEM(cert, s.ca.intermediate, s.ca.root)
		if err != nil {
			return failure(opensrs.CodeInternalError, "Internal error")
		}
		certData["pkcs7"] = p7
	}
	state := "active"
	if s.opts.Now().After(cert.NotAfter) {
		state = "expired"
	}
	const day = "2006-01-02"
	return success(map[string]any{
		"cert_data":     certData,
		"contact_email": contactEmail(o.ContactSet),
		"domain":        o.Domain,
		"expiry_date":   cert.NotAfter.UTC().Format(day),
		"issue_date":    cert.NotBefore.UTC().Format(day),
		"start_date":    cert.NotBefore.UTC().Format(day),
		"product_id":    o.ProductID,
		"product_type":  o.ProductType,
		"state":         state,
	})
}

// approverEmails is the list the CA accepts for domain: the five generic
// mailboxes of the registrable domain and the configured WHOIS address.
func (s *Server) approverEmails(domain string) []string {
	base, err := publicsuffix.EffectiveTLDPlusOne(strings.TrimPrefix(strings.ToLower(domain), "*."))
	if err != nil {
		return nil
	}
	var out []string
	for _, box := range []string{"admin", "administrator", "hostmaster", "postmaster", "webmaster"} {
		out = append(out, box+"@"+base)
	}
	if w := strings.ToLower(s.opts.WHOISEmails[base]); w != "" && !slices.Contains(out, w) {
		out = append(out, w)
	}
	return out
}

// checkProduct checks product_type is given and is one of the reseller's
// products; bad says rep is the reply to give instead.
func checkProduct(a map[string]any) (rep reply, bad bool) {
	product := stringAt(a, "product_type")
	if product == "" {
		return missing("product_type"), true
	}
	if !slices.Contains(opensrs.ThawteProducts(), product) {
		return invalid("product_type", "%q is not a product of this reseller", product), true
	}
	return reply{}, false
}

func (s *Server) queryApproverList(a map[string]any) reply {
	domain := strings.ToLower(strings.TrimSpace(stringAt(a, "domain")))
	if domain == "" {
		return missing("domain")
	}
	if rep, bad := checkProduct(a); bad {
		return rep
	}
	if err := validHostname(strings.TrimPrefix(domain, "*.")); err != nil {
		return invalid("domain", "%q: %v", domain, err)
	}
	emails := s.approverEmails(domain)
	if len(emails) == 0 {
		return invalid("domain", "%q has no registrable domain", domain)
	}
	list := make([]any, 0, len(emails))
	for _, e := range emails {
		list = append(list, map[string]any{"domain": e[strings.IndexByte(e, '@')+1:], "email": e, "type": "MANUAL"})
	}
	return success(map[string]any{"approver_list": list})
}

func (s *Server) cancelOrder(a map[string]any) reply {
	return s.withOrder(a, func(id string, o *order) reply {
		if opensrs.IsFinalState(o.State) {
			return failure(opensrs.CodeInvalidData, "Order %s is %s and cannot be cancelled", id, o.State)
		}
		if err := s.setStateLocked(o, opensrs.StateCancelled); err != nil {
			return failure(opensrs.CodeInternalError, "Internal error")
		}
		return success(map[string]any{"order_id": o.ID, "domain": o.Domain, "state": o.State})
	})
}

func (s *Server) resendApproveEmail(a map[string]any) reply {
	return s.withOrder(a, func(id string, o *order) reply {
		if o.State != opensrs.StateAwaitingApproval {
			return failure(opensrs.CodeInvalidData, "Order %s is %s: the approval email can only be resent while awaiting approval", id, o.State)
		}
		o.ApprovalEmailsSent++
		return success(map[string]any{"order_id": o.ID})
	})
}

func (s *Server) parseCSR(a map[string]any) reply {
	text := stringAt(a, "csr")
	if strings.TrimSpace(text) == "" {
		return missing("csr")
	}
	if rep, bad := checkProduct(a); bad {
		return rep
	}
	csr, rep, bad := parseCSR(text)
	if bad {
		return rep
	}
	first := func(v []string) string {
		if len(v) == 0 {
			return ""
		}
		return v[0]
	}
	email := ""
	if len(csr.EmailAddresses) > 0 {
		email = csr.EmailAddresses[0]
	}
	return success(map[string]any{"csr_data": map[string]any{
		"domain":            csr.Subject.CommonName,
		"country":           first(csr.Subject.Country),
		"state":             first(csr.Subject.Province),
		"locality":          first(csr.Subject.Locality),
		"organization":      first(csr.Subject.Organization),
		"organization_unit": first(csr.Subject.OrganizationalUnit),
		"email":             email,
	}})
}
