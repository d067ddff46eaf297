package web

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/csrgen"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/lifecycle"
	"github.com/certportal/certportal/web/templates/view"
)

// apiCSR is a CSR as the API shows it: the record and what
// `openssl req -text -noout -verify` reads from it. It never holds a key.
type apiCSR struct {
	*certs.CSR
	Key                string   `json:"key"` // "RSA 2048", "ECDSA P-256"
	SignatureAlgorithm string   `json:"signature_algorithm"`
	SignatureOK        bool     `json:"signature_ok"`
	Warnings           []string `json:"warnings"`
}

func toAPICSR(c *certs.CSR) apiCSR {
	out := apiCSR{CSR: c, Warnings: []string{}}
	if in, err := c.Inspect(); in != nil {
		out.Key, out.SignatureAlgorithm, out.SignatureOK = in.Key, in.SignatureAlgorithm, err == nil && in.SignatureOK
		if in.Warnings != nil {
			out.Warnings = in.Warnings
		}
	}
	return out
}

// apiCSRCreate generates a key and CSR, or stores a pasted CSR when the body
// has csr_pem. Fields left out of the body take the requirement's prefill.
func (s *Server) apiCSRCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	req, err := s.certs.Requirement(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := newCSRBody(req.Prefill())
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	var c *certs.CSR
	if in.CSRPEM != "" {
		c, err = s.certs.UploadCSR(r.Context(), actor(r), id, in.CSRPEM)
	} else {
		c, err = s.certs.GenerateCSR(r.Context(), actor(r), id, in.request())
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/csrs/"+view.Itoa(c.ID))
	s.writeJSON(w, http.StatusCreated, toAPICSR(c))
}

// csrBody is the create body: csrgen.Request's fields (flat, so a type error
// names "sans", not "Request.sans") or csr_pem for a CSR made elsewhere.
type csrBody struct {
	KeyType            string   `json:"key_type"`
	Country            string   `json:"country"`
	State              string   `json:"state"`
	Locality           string   `json:"locality"`
	Organization       string   `json:"organization"`
	OrganizationalUnit string   `json:"organizational_unit"`
	CommonName         string   `json:"common_name"`
	SANs               []string `json:"sans"`
	CSRPEM             string   `json:"csr_pem"`
}

func newCSRBody(r csrgen.Request) csrBody {
	return csrBody{KeyType: string(r.KeyType), Country: r.Country, State: r.State, Locality: r.Locality,
		Organization: r.Organization, OrganizationalUnit: r.OrganizationalUnit, CommonName: r.CommonName, SANs: r.SANs}
}

func (b csrBody) request() csrgen.Request {
	return csrgen.Request{KeyType: csrgen.KeyType(b.KeyType), Country: b.Country, State: b.State, Locality: b.Locality,
		Organization: b.Organization, OrganizationalUnit: b.OrganizationalUnit, CommonName: b.CommonName, SANs: b.SANs}
}

func (s *Server) apiCSRGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.certs.CSR(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, toAPICSR(c))
}

func (s *Server) apiCSRList(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.certs.CSRs(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]apiCSR, 0, len(list))
	for i := range list {
		out = append(out, toAPICSR(&list[i]))
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"csrs": out})
}

// apiCertificate is a stored certificate with its expiry in days.
type apiCertificate struct {
	*certs.Certificate
	DaysLeft int `json:"days_left"`
	// The renewal plan, on GET /api/v1/certificates/{id} only.
	RenewBy              *time.Time                 `json:"renew_by,omitempty"`
	RenewalKind          string                     `json:"renewal_kind,omitempty"`
	LeadTimeBusinessDays int                        `json:"lead_time_business_days,omitempty"`
	Renewal              *lifecycle.CertificatePlan `json:"renewal,omitempty"`
}

func toAPICertificate(c *certs.Certificate) apiCertificate {
	return apiCertificate{Certificate: c, DaysLeft: c.DaysLeft(time.Now())}
}

// readUploadBody takes a certificate from an API request: multipart (a file
// field "certificate" or "file"), JSON {"certificate": "PEM text"}, or the raw
// body in any format (bundle.Parse sniffs the content).
func readUploadBody(r *http.Request) ([]byte, string, error) {
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "multipart/form-data"):
		if err := r.ParseMultipartForm(maxUploadBytes); err != nil {
			return nil, "", uploadReadError(err)
		}
		for _, field := range []string{"certificate", "file"} {
			if file, header, err := r.FormFile(field); err == nil {
				defer file.Close()
				b, err := io.ReadAll(io.LimitReader(file, maxUploadBytes+1))
				if err != nil {
					return nil, "", uploadReadError(err)
				}
				if len(b) > maxUploadBytes {
					return nil, "", errs.New(errs.TooLarge, "The file is larger than %d KiB.", maxUploadBytes>>10)
				}
				return b, header.Filename, nil
			}
		}
		return []byte(r.FormValue("certificate")), "api upload", nil
	case strings.HasPrefix(ct, "application/json"):
		var in struct {
			Certificate string `json:"certificate"`
		}
		if err := decodeJSON(r, &in); err != nil {
			return nil, "", err
		}
		return []byte(in.Certificate), "api upload", nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, "", uploadReadError(err)
	}
	return b, "api upload", nil
}

func (s *Server) apiCertificateCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// A missing CSR answers 404 before the body is judged.
	if _, err := s.certs.CSR(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	data, name, err := readUploadBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.certs.Intake(r.Context(), actor(r), id, data, name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/certificates/"+view.Itoa(c.ID))
	s.writeJSON(w, http.StatusCreated, toAPICertificate(c))
}

func (s *Server) apiIntermediates(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.certs.Certificate(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	data, _, err := readUploadBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.certs.AddIntermediates(r.Context(), actor(r), id, data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, toAPICertificate(c))
}

func (s *Server) apiCertificateGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.certs.Certificate(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := toAPICertificate(c)
	plan, err := s.lifecycle.Plan(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out.RenewBy, out.RenewalKind, out.LeadTimeBusinessDays, out.Renewal = &plan.RenewBy, string(plan.Kind), plan.LeadTimeBusinessDays, plan
	s.writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCertificates(w http.ResponseWriter, r *http.Request) {
	f, err := readCertificateFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		s.certificatesCSV(w, r, f)
		return
	}
	req, err := readPage(r, certs.CertificateSorts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.certs.CertificatePage(r.Context(), f, req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]apiCertificate, 0, len(res.Items))
	for i := range res.Items {
		out = append(out, toAPICertificate(&res.Items[i]))
	}
	s.writeJSON(w, http.StatusOK, struct {
		Certificates []apiCertificate `json:"certificates"`
		pageCursors
	}{out, pageCursors{res.Next, res.Prev}})
}

// apiKey returns the PKCS#8 PEM; the reason is required and audited with the
// token's name.
func (s *Server) apiKey(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.certs.PrivateKey(r.Context(), actor(r), id, r.URL.Query().Get("reason"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, f)
}

func (s *Server) apiExport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in certs.ExportRequest
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Format == "p12-legacy" {
		in.Format, in.Legacy = certs.ExportP12, true
	}
	f, err := s.certs.Export(r.Context(), actor(r), id, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, f)
}
