package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/web/templates/pages"
)

// acmeAccountFields are the account form's fields shown again on a refusal;
// the EAB HMAC key never is.
var acmeAccountFields = []string{"name", "directory_url", "directory_url_other", "email", "terms_agreed",
	"eab_key_id", "profile", "private_ca", "ov"}

// acmeAccountsPage renders the accounts page with form f: 200 for a
// blank one, 422 for a refused one, whose form links termsURL when set.
func (s *Server) acmeAccountsPage(w http.ResponseWriter, r *http.Request, status int, f pages.Form, termsURL string) {
	v := pages.ACMEAccountsView{Form: f, TermsURL: termsURL}
	list, err := s.acme.Accounts(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, a := range list {
		v.Accounts = append(v.Accounts, pages.ACMEAccountRow{ID: a.ID, Name: a.Name, DirectoryURL: a.DirectoryURL, Email: a.Email,
			EAB: a.EABKeyID != "", Profile: a.Profile, PrivateCA: a.PrivateCA, OV: a.OV, RegisteredAt: fmtTime(a.CreatedAt)})
	}
	for _, p := range s.acme.Presets() {
		v.Presets = append(v.Presets, pages.Option{Value: p.URL, Label: p.Name})
	}
	v.Presets = append(v.Presets, pages.Option{Value: pages.ACMEOtherDirectory, Label: "Other URL (type it below)"})
	v.Profiles = []pages.Option{{Value: "", Label: "None (the CA's default)"}}
	for _, p := range acme.Profiles {
		v.Profiles = append(v.Profiles, pages.Option{Value: p, Label: p})
	}
	s.renderStatus(w, r, status, pages.ACMEAccountsPage(s.pageData(r, "ACME accounts"), v))
}

func (s *Server) acmeAccounts(w http.ResponseWriter, r *http.Request) {
	s.acmeAccountsPage(w, r, http.StatusOK, pages.NewForm(nil), "")
}

func (s *Server) acmeAccountCreatePost(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r, s) {
		return
	}
	f := postedForm(r, acmeAccountFields...)
	dir, typed := f.V("directory_url"), f.V("directory_url") == pages.ACMEOtherDirectory
	if typed {
		dir = f.V("directory_url_other")
	}
	in := acme.AccountInput{Name: f.V("name"), DirectoryURL: dir, Email: f.V("email"), TermsAgreed: f.Checked("terms_agreed"),
		EABKeyID: f.V("eab_key_id"), EABHMACKey: r.PostForm.Get("eab_hmac_key"), Profile: f.V("profile"),
		PrivateCA: f.Checked("private_ca"), OV: f.Checked("ov")}
	a, err := s.acme.CreateAccount(r.Context(), actor(r), in)
	if err != nil {
		if !invalid(err, &f) {
			s.fail(w, r, err)
			return
		}
		if msg, ok := f.Errors["directory_url"]; ok && typed {
			delete(f.Errors, "directory_url")
			f.Errors["directory_url_other"] = msg
		}
		terms := ""
		if f.Errors.Has("terms_agreed") && !f.Errors.Has("directory_url") && !f.Errors.Has("directory_url_other") {
			terms = s.acme.TermsOfService(r.Context(), strings.TrimSpace(dir), in.PrivateCA)
		}
		s.acmeAccountsPage(w, r, http.StatusUnprocessableEntity, f, terms)
		return
	}
	s.flash(r, "ok", "Registered the ACME account “"+a.Name+"” at "+a.DirectoryURL+".")
	http.Redirect(w, r, "/admin/acme", http.StatusSeeOther)
}

// acmeDomainsPage renders the challenge methods page with form f (200
// blank or prefilled, 422 refused).
func (s *Server) acmeDomainsPage(w http.ResponseWriter, r *http.Request, status int, f pages.Form) {
	v := pages.ACMEDomainsView{Form: f}
	list, err := s.acme.ListDNSCredentials(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, c := range list {
		v.Domains = append(v.Domains, pages.ACMEDomainRow{Domain: c.Domain, Method: methodLabel(c.Provider),
			Keys: strings.Join(c.KeyNames, ", "), UpdatedAt: fmtTime(c.UpdatedAt),
			Testable: c.Provider != acme.MethodManual && c.Provider != acme.MethodHTTP01})
	}
	canExec := currentUser(r).Has(accounts.RoleAdmin)
	for _, spec := range acme.DNSProviderSpecs() {
		if spec.Name == "exec" && !canExec {
			continue
		}
		pf := pages.ACMEProviderFields{Name: spec.Name}
		for _, k := range spec.Keys {
			pf.Fields = append(pf.Fields, pages.ACMEValueField{Key: k, Input: "values." + k,
				Required: slices.Contains(spec.Required, k), Secret: secretKey(k)})
		}
		v.Providers = append(v.Providers, pf)
		v.Methods = append(v.Methods, pages.Option{Value: spec.Name, Label: "DNS-01 through " + spec.Name})
	}
	v.Methods = append(v.Methods,
		pages.Option{Value: acme.MethodManual, Label: "DNS-01, manual (a person adds the TXT record)"},
		pages.Option{Value: acme.MethodHTTP01, Label: "HTTP-01 (the host proxies /.well-known/acme-challenge/)"})
	s.renderStatus(w, r, status, pages.ACMEDomainsPage(s.pageData(r, "ACME challenge methods"), v))
}

// methodLabel is how the list names a domain's method.
func methodLabel(provider string) string {
	switch provider {
	case acme.MethodManual:
		return "manual DNS"
	case acme.MethodHTTP01:
		return "HTTP-01"
	}
	return "DNS-01 through " + provider
}

// secretKey reports whether a lego variable holds a secret, shown as a
// password input.
func secretKey(k string) bool {
	for _, w := range []string{"KEY", "TOKEN", "PASSWORD", "SECRET"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

func (s *Server) acmeDomains(w http.ResponseWriter, r *http.Request) {
	f := pages.NewForm(map[string]string{"domain": r.URL.Query().Get("domain")})
	if d := f.V("domain"); d != "" {
		if c, err := s.acme.DNSCredentialsFor(r.Context(), d); err == nil && c != nil && c.Domain == strings.ToLower(d) {
			f.Values["provider"] = c.Provider
		}
	}
	s.acmeDomainsPage(w, r, http.StatusOK, f)
}

func (s *Server) acmeDomainSetPost(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r, s) {
		return
	}
	f := postedForm(r, "domain", "provider")
	in := acme.DNSCredentialsInput{Provider: f.V("provider"), ByAdmin: currentUser(r).Has(accounts.RoleAdmin)}
	// Only the chosen provider's inputs count; empty ones are not set.
	for _, spec := range acme.DNSProviderSpecs() {
		if spec.Name != strings.ToLower(strings.TrimSpace(in.Provider)) {
			continue
		}
		in.Values = map[string]string{}
		for _, k := range spec.Keys {
			if val := r.PostForm.Get("values." + k); val != "" {
				in.Values[k] = val
			}
		}
	}
	c, err := s.acme.SetDNSCredentials(r.Context(), actor(r), f.V("domain"), in)
	if err != nil {
		if !invalid(err, &f) {
			s.fail(w, r, err)
			return
		}
		s.acmeDomainsPage(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	s.flash(r, "ok", c.Domain+" now proves control by "+methodLabel(c.Provider)+".")
	http.Redirect(w, r, "/acme/domains", http.StatusSeeOther)
}

// acmeDomainTestPost creates and deletes a TXT record through the domain's
// provider and says how it went.
func (s *Server) acmeDomainTestPost(w http.ResponseWriter, r *http.Request) {
	domain, _ := url.PathUnescape(chi.URLParam(r, "domain"))
	err := s.acme.TestDNSCredentials(r.Context(), actor(r), domain)
	if err != nil {
		e, ok := errs.As(err)
		if !ok || e.Code == errs.Internal {
			s.fail(w, r, err)
			return
		}
		msg := e.Message
		for _, m := range e.Fields {
			msg = m
		}
		s.flash(r, "error", domain+": "+msg)
	} else {
		s.flash(r, "ok", domain+": the DNS credentials work: a TXT record was created, seen by the resolvers and deleted.")
	}
	http.Redirect(w, r, "/acme/domains", http.StatusSeeOther)
}
