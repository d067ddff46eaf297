package opensrs

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Thawte product types sold through our reseller account.
const (
	ProductSSL123               = "ssl123"                // domain validated; needs an approver email
	ProductSSLWebServer         = "sslwebserver"          // organization validated
	ProductSSLWebServerWildcard = "sslwebserver_wildcard" // OV, *.example.com
	ProductSSLWebServerEV       = "sslwebserver_ev"       // extended validation
)

// ThawteProducts lists the product types above, in price order.
func ThawteProducts() []string {
	return []string{ProductSSL123, ProductSSLWebServer, ProductSSLWebServerWildcard, ProductSSLWebServerEV}
}

// IsDomainValidated reports whether productType is validated by approver
// email alone, and so needs ApproverEmail in sw_register.
func IsDomainValidated(productType string) bool { return productType == ProductSSL123 }

// Order states as get_order_info reports them.
const (
	StatePending           = "pending"
	StateInProgress        = "in-progress"
	StateAwaitingApproval  = "awaiting-approval"
	StateApproverConfirmed = "approver-confirmed"
	StateDeclined          = "declined"
	StateCancelled         = "cancelled"
	StateCompleted         = "completed"
)

// States lists every order state.
func States() []string {
	return []string{StatePending, StateInProgress, StateAwaitingApproval, StateApproverConfirmed, StateDeclined, StateCancelled, StateCompleted}
}

// IsFinalState reports whether an order in state will not move again.
func IsFinalState(state string) bool {
	return state == StateCompleted || state == StateDeclined || state == StateCancelled
}

// Registration types and handles for sw_register.
const (
	RegTypeNew   = "new"
	RegTypeRenew = "renew"

	HandleProcess = "process" // submit to the CA now
	HandleSave    = "save"    // keep as a pending draft at OpenSRS
)

// Contact is one member of a contact set. Organization contacts carry no
// title or email for Thawte products.
type Contact struct {
	FirstName  string
	LastName   string
	Title      string
	OrgName    string
	Address1   string
	Address2   string
	Address3   string
	City       string
	State      string
	PostalCode string
	Country    string // ISO 3166 alpha-2
	Phone      string // +1.4165550123x1812
	Fax        string
	Email      string
}

// setNonEmpty sets m[k] to v unless v is empty: OPS leaves optional
// attributes out rather than sending them empty.
func setNonEmpty(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func (c Contact) isZero() bool { return c == Contact{} }

func (c Contact) attrs() map[string]any {
	m := map[string]any{}
	set := func(k, v string) { setNonEmpty(m, k, v) }
	set("first_name", c.FirstName)
	set("last_name", c.LastName)
	set("title", c.Title)
	set("org_name", c.OrgName)
	set("address1", c.Address1)
	set("address2", c.Address2)
	set("address3", c.Address3)
	set("city", c.City)
	set("state", c.State)
	set("postal_code", c.PostalCode)
	set("country", c.Country)
	set("phone", c.Phone)
	set("fax", c.Fax)
	set("email", c.Email)
	return m
}

func contactFrom(v any) Contact {
	m, _ := v.(map[string]any)
	s := func(k string) string { return str(m, k) }
	return Contact{
		FirstName: s("first_name"), LastName: s("last_name"), Title: s("title"), OrgName: s("org_name"),
		Address1: s("address1"), Address2: s("address2"), Address3: s("address3"),
		City: s("city"), State: s("state"), PostalCode: s("postal_code"), Country: s("country"),
		Phone: s("phone"), Fax: s("fax"), Email: s("email"),
	}
}

// ContactSet is the contacts of an order. Thawte needs all four.
type ContactSet struct {
	Admin        Contact // the client's authorized company contact
	Billing      Contact // the agency's billing contact
	Tech         Contact // the engineer
	Organization Contact // the client company
}

func (cs ContactSet) attrs() map[string]any {
	m := map[string]any{}
	for k, c := range map[string]Contact{"admin": cs.Admin, "billing": cs.Billing, "tech": cs.Tech, "organization": cs.Organization} {
		if !c.isZero() {
			m[k] = c.attrs()
		}
	}
	return m
}

// SWRegisterRequest is a new or renewal certificate order.
type SWRegisterRequest struct {
	RegType             string // RegTypeNew or RegTypeRenew
	ProductType         string // one of ThawteProducts
	Period              int    // years: 1 or 2
	CSR                 string // PEM
	Domain              string // must equal the CSR's common name
	ApproverEmail       string // required for domain-validated products
	ServerType          string // e.g. "apache2", "other"
	SpecialInstructions string
	Handle              string // HandleProcess (the default) or HandleSave
	ContactSet          ContactSet
	AdditionalDomains   []string // SANs, for products that take them
}

func (r SWRegisterRequest) attrs() map[string]any {
	m := map[string]any{
		"reg_type":     r.RegType,
		"product_type": r.ProductType,
		"csr":          r.CSR,
		"domain":       r.Domain,
		"contact_set":  r.ContactSet.attrs(),
	}
	if r.Period != 0 {
		m["period"] = strconv.Itoa(r.Period)
	}
	handle := r.Handle
	if handle == "" {
		handle = HandleProcess
	}
	m["handle"] = handle
	opt := func(k, v string) { setNonEmpty(m, k, v) }
	opt("approver_email", r.ApproverEmail)
	opt("server_type", r.ServerType)
	opt("special_instructions", r.SpecialInstructions)
	if len(r.AdditionalDomains) > 0 {
		m["additional_domains"] = strings.Join(r.AdditionalDomains, ",")
	}
	return m
}

// SWRegister places an order and returns its order_id.
//
// This is the one paid, non-idempotent call. On OutcomeUnknown(err) the order
// may exist: look for it before placing another.
func (c *Client) SWRegister(ctx context.Context, r SWRegisterRequest) (string, error) {
	resp, err := c.Do(ctx, "sw_register", ObjectTrustService, r.attrs())
	if err != nil {
		return "", err
	}
	id := str(resp.Attributes, "order_id")
	if id == "" {
		// The service said yes but we cannot tell which order it made: as
		// uncertain as a lost reply.
		return "", &TransportError{Action: "sw_register", Sent: true, Err: errors.New("reply has no order_id")}
	}
	return id, nil
}

// OrderInfo is what get_order_info says about an order.
type OrderInfo struct {
	OrderID             string
	State               string // one of States
	Domain              string
	ProductID           string // set once completed
	ProductType         string
	RegType             string
	Period              int
	ApproverEmail       string
	ContactEmail        string
	CSR                 string
	ServerType          string
	SpecialInstructions string
	SupplierOrderID     string
	ContactSet          ContactSet
	// Attributes holds the full reply, for fields not mapped above.
	Attributes map[string]any
}

// GetOrderInfo reads an order's state and details.
func (c *Client) GetOrderInfo(ctx context.Context, orderID string) (*OrderInfo, error) {
	resp, err := c.Do(ctx, "get_order_info", ObjectTrustService, map[string]any{"order_id": orderID})
	if err != nil {
		return nil, err
	}
	a := resp.Attributes
	period, _ := strconv.Atoi(str(a, "period"))
	cs, _ := a["contact_set"].(map[string]any)
	return &OrderInfo{
		OrderID:             firstNonEmpty(str(a, "order_id"), orderID),
		State:               strings.ToLower(str(a, "state")),
		Domain:              str(a, "domain"),
		ProductID:           str(a, "product_id"),
		ProductType:         str(a, "product_type"),
		RegType:             str(a, "reg_type"),
		Period:              period,
		ApproverEmail:       str(a, "approver_email"),
		ContactEmail:        str(a, "contact_email"),
		CSR:                 str(a, "csr"),
		ServerType:          str(a, "server_type"),
		SpecialInstructions: str(a, "special_instructions"),
		SupplierOrderID:     str(a, "supplier_order_id"),
		ContactSet: ContactSet{
			Admin: contactFrom(cs["admin"]), Billing: contactFrom(cs["billing"]),
			Tech: contactFrom(cs["tech"]), Organization: contactFrom(cs["organization"]),
		},
		Attributes: a,
	}, nil
}

// CertData is an issued certificate as get_cert returns it.
type CertData struct {
	// Certificate is the leaf, PEM. When the reply's fields are mixed up
	// (any certificate PEM in any field, in any order), the leaf is the one
	// certificate that is not a CA.
	Certificate string
	// CACertificates are the other certificates found, PEM, in the order
	// found; building and ordering the chain is the caller's job.
	CACertificates []string
	PKCS7          string // as sent, when asked for
	ProductID      string
	ProductType    string
	Domain         string
	State          string // product state: active, expired, renewing, renewed, revoked
	ContactEmail   string
	IssueDate      string // as sent; the format is not documented
	StartDate      string
	ExpiryDate     string
	// NotAfter is read from the leaf, which unlike ExpiryDate has a
	// well-defined format.
	NotAfter   time.Time
	Attributes map[string]any
}

// GetCert fetches the certificate of a completed order by its product_id.
func (c *Client) GetCert(ctx context.Context, productID string) (*CertData, error) {
	return c.getCert(ctx, "product_id", productID)
}

// GetCertByOrderID fetches the certificate by order_id, as some clients do
// before they have recorded the product_id.
func (c *Client) GetCertByOrderID(ctx context.Context, orderID string) (*CertData, error) {
	return c.getCert(ctx, "order_id", orderID)
}

func (c *Client) getCert(ctx context.Context, idKey, id string) (*CertData, error) {
	resp, err := c.Do(ctx, "get_cert", ObjectTrustService, map[string]any{
		idKey:               id,
		"return_ca_certs":   "1",
		"return_pkcs7_cert": "1",
	})
	if err != nil {
		return nil, err
	}
	a := resp.Attributes
	cd := &CertData{
		ProductID:    str(a, "product_id"),
		ProductType:  str(a, "product_type"),
		Domain:       str(a, "domain"),
		State:        str(a, "state"),
		ContactEmail: str(a, "contact_email"),
		IssueDate:    str(a, "issue_date"),
		StartDate:    str(a, "start_date"),
		ExpiryDate:   str(a, "expiry_date"),
		Attributes:   a,
	}
	data, _ := a["cert_data"].(map[string]any)
	cd.PKCS7 = str(data, "pkcs7")
	if err := cd.collect(data); err != nil {
		return nil, fmt.Errorf("opensrs: get_cert %s: %w", id, err)
	}
	return cd, nil
}

type foundCert struct {
	pem  string
	cert *x509.Certificate
}

// collect gathers every certificate PEM in cert_data, the documented
// "certificate" field first, then picks the leaf.
func (cd *CertData) collect(data map[string]any) error {
	var found []foundCert
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			for _, f := range pemCertificates(t) {
				if !seen[string(f.cert.Raw)] {
					seen[string(f.cert.Raw)] = true
					found = append(found, f)
				}
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(t[k])
			}
		}
	}
	walk(data["certificate"])
	walk(data)
	if len(found) == 0 && cd.PKCS7 != "" {
		certs, err := parsePKCS7Certificates(cd.PKCS7)
		if err != nil {
			return fmt.Errorf("cert_data.pkcs7: %w", err)
		}
		for _, c := range certs {
			if !seen[string(c.Raw)] {
				seen[string(c.Raw)] = true
				found = append(found, foundCert{pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})), cert: c})
			}
		}
	}
	if len(found) == 0 {
		return errors.New("reply holds no certificate")
	}
	leaf := -1
	for i, f := range found {
		if !f.cert.IsCA {
			leaf = i
			break
		}
	}
	if leaf < 0 {
		return errors.New("reply holds only CA certificates")
	}
	cd.Certificate = found[leaf].pem
	cd.NotAfter = found[leaf].cert.NotAfter
	for i, f := range found {
		if i != leaf {
			cd.CACertificates = append(cd.CACertificates, f.pem)
		}
	}
	return nil
}

// pemCertificates returns the parseable CERTIFICATE blocks in s. Other
// blocks and junk between them are skipped.
func pemCertificates(s string) []foundCert {
	var out []foundCert
	rest := []byte(strings.ReplaceAll(s, "\r\n", "\n"))
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return out
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			continue
		}
		out = append(out, foundCert{pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: b.Bytes})), cert: c})
	}
}

// Approver is an address the CA may send the domain-control email to.
type Approver struct {
	Domain string
	Email  string
	Type   string // e.g. MANUAL
}

// QueryApproverList lists the approver emails the CA accepts for domain.
func (c *Client) QueryApproverList(ctx context.Context, domain, productType string) ([]Approver, error) {
	resp, err := c.Do(ctx, "query_approver_list", ObjectTrustService, map[string]any{
		"domain":       domain,
		"product_type": productType,
	})
	if err != nil {
		return nil, err
	}
	list, _ := resp.Attributes["approver_list"].([]any)
	out := make([]Approver, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		if a := (Approver{Domain: str(m, "domain"), Email: str(m, "email"), Type: str(m, "type")}); a.Email != "" {
			out = append(out, a)
		}
	}
	return out, nil
}

// CancelOrder cancels an order that is not completed. After a mistake in a
// submitted order this is the only way out: cancel, then order again.
func (c *Client) CancelOrder(ctx context.Context, orderID string) error {
	_, err := c.Do(ctx, "cancel_order", ObjectTrustService, map[string]any{"order_id": orderID})
	return err
}

// ResendApproveEmail asks the CA to send the approval email again; only for
// orders awaiting approval. (The action is spelled "approve", unlike the PHP
// toolkit's "resend_approver_email", which the service does not know.)
func (c *Client) ResendApproveEmail(ctx context.Context, orderID string) error {
	_, err := c.Do(ctx, "resend_approve_email", ObjectTrustService, map[string]any{"order_id": orderID})
	return err
}

// CSRData is the service's reading of a CSR.
type CSRData struct {
	Domain           string
	Country          string
	State            string
	Locality         string
	Organization     string
	OrganizationUnit string
	Email            string
	Attributes       map[string]any
}

// ParseCSR asks the service how it reads csr for productType: a check worth
// making before paying, since the CA reads the CSR the same way.
func (c *Client) ParseCSR(ctx context.Context, csr, productType string) (*CSRData, error) {
	resp, err := c.Do(ctx, "parse_csr", ObjectTrustService, map[string]any{"csr": csr, "product_type": productType})
	if err != nil {
		return nil, err
	}
	d, _ := resp.Attributes["csr_data"].(map[string]any)
	return &CSRData{
		Domain:           str(d, "domain"),
		Country:          str(d, "country"),
		State:            str(d, "state"),
		Locality:         str(d, "locality"),
		Organization:     str(d, "organization"),
		OrganizationUnit: str(d, "organization_unit"),
		Email:            str(d, "email"),
		Attributes:       resp.Attributes,
	}, nil
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return strings.TrimSpace(s)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
