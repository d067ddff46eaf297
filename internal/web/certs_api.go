package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/csrgen"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/lifecycle"
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
	prefill := func(id int64) (csrBody, error) {
		req, err := s.certs.Requirement(r.Context(), id)
		if err != nil {
			return csrBody{}, err
		}
		return csrBody{Request: req.Prefill()}, nil
	}
	serveByID(s, w, r, http.StatusCreated, prefill, func(id int64, in csrBody) (any, error) {
		var c *certs.CSR
		var err error
		if in.CSRPEM != "" {
			c, err = s.certs.UploadCSR(r.Context(), actor(r), id, in.CSRPEM)
		} else {
			c, err = s.certs.GenerateCSR(r.Context(), actor(r), id, in.Request)
		}
		if err != nil {
			return nil, err
		}
		created(w, "/api/v1/csrs/", c.ID)
		return toAPICSR(c), nil
	})
}

// csrBody is the create body: csrgen.Request's fields, or csr_pem for a CSR
// made elsewhere.
type csrBody struct {
	csrgen.Request
	CSRPEM string `json:"csr_pem"`
}

// UnmarshalJSON reads the Request's fields and csr_pem from the one flat
// object, each decoded on its own so that a value of the wrong type is named
// by its own field ("sans"), not by its path through the embedding
// ("Request.sans"). Fields the body leaves out keep their values.
func (b *csrBody) UnmarshalJSON(data []byte) error {
	if err := json.Unmarshal(data, &b.Request); err != nil {
		return err
	}
	pasted := struct {
		CSRPEM *string `json:"csr_pem"`
	}{&b.CSRPEM}
	return json.Unmarshal(data, &pasted)
}

func (s *Server) apiCSRGet(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusOK, func(id int64) (any, error) {
		c, err := s.certs.CSR(r.Context(), id)
		if err != nil {
			return nil, err
		}
		return toAPICSR(c), nil
	})
}

func (s *Server) apiCSRList(w http.ResponseWriter, r *http.Request) {
	servePagedOf(s, w, r, "csrs", certs.CSRSorts, s.certs.CSRPage, toAPICSRItem)
}

// apiCSRItem is a CSR in a list: what apiCSR shows but the PEM (GET
// /api/v1/csrs/{id} has it), so a full page stays small. The outer, empty
// csr_pem hides the record's own.
type apiCSRItem struct {
	apiCSR
	PEM string `json:"csr_pem,omitempty"`
}

func toAPICSRItem(c *certs.CSR) apiCSRItem { return apiCSRItem{apiCSR: toAPICSR(c)} }

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

// serveUpload is the shape of the certificate uploads: the {id}'s record must
// exist (a missing one answers 404 before the body is judged), then the upload
// read from the body goes to call.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request, status int, exists func(id int64) error,
	call func(id int64, data []byte, name string) (*certs.Certificate, error)) {
	serveID(s, w, r, status, func(id int64) (any, error) {
		if err := exists(id); err != nil {
			return nil, err
		}
		data, name, err := readUploadBody(r)
		if err != nil {
			return nil, err
		}
		c, err := call(id, data, name)
		if err != nil {
			return nil, err
		}
		return toAPICertificate(c), nil
	})
}

func (s *Server) apiCertificateCreate(w http.ResponseWriter, r *http.Request) {
	csrExists := func(id int64) error { _, err := s.certs.CSR(r.Context(), id); return err }
	s.serveUpload(w, r, http.StatusCreated, csrExists, func(id int64, data []byte, name string) (*certs.Certificate, error) {
		c, err := s.certs.Intake(r.Context(), actor(r), id, data, name)
		if err == nil {
			created(w, "/api/v1/certificates/", c.ID)
		}
		return c, err
	})
}

func (s *Server) apiIntermediates(w http.ResponseWriter, r *http.Request) {
	certificateExists := func(id int64) error { _, err := s.certs.Certificate(r.Context(), id); return err }
	s.serveUpload(w, r, http.StatusOK, certificateExists, func(id int64, data []byte, _ string) (*certs.Certificate, error) {
		return s.certs.AddIntermediates(r.Context(), actor(r), id, data)
	})
}

func (s *Server) apiCertificateGet(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusOK, func(id int64) (any, error) {
		c, err := s.certs.Certificate(r.Context(), id)
		if err != nil {
			return nil, err
		}
		out := toAPICertificate(c)
		plan, err := s.lifecycle.Plan(r.Context(), id)
		if err != nil {
			return nil, err
		}
		out.RenewBy, out.RenewalKind, out.LeadTimeBusinessDays, out.Renewal = &plan.RenewBy, string(plan.Kind), plan.LeadTimeBusinessDays, plan
		return out, nil
	})
}

func (s *Server) apiCertificates(w http.ResponseWriter, r *http.Request) {
	f, ok := s.certificateFilter(w, r)
	if !ok {
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		s.certificatesCSV(w, r, f)
		return
	}
	serve(s, w, r, http.StatusOK, func() (map[string]any, error) {
		res, _, err := fetchPage(r, certs.CertificateSorts, f, s.certs.CertificatePage)
		return pagedAnswer("certificates", mapEach(res.Items, toAPICertificate), res.Next, res.Prev), err
	})
}

// serveFile answers with the file call makes for the {id}: a key or an export.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, call func(id int64) (*certs.File, error)) {
	answerID(s, w, r, call, func(_ int64, f *certs.File) { sendFile(w, f) })
}

// apiKey returns the PKCS#8 PEM; the reason is required and audited with the
// token's name.
func (s *Server) apiKey(w http.ResponseWriter, r *http.Request) {
	s.serveFile(w, r, func(id int64) (*certs.File, error) {
		return s.certs.PrivateKey(r.Context(), actor(r), id, r.URL.Query().Get("reason"))
	})
}

func (s *Server) apiExport(w http.ResponseWriter, r *http.Request) {
	s.serveFile(w, r, func(id int64) (*certs.File, error) {
		var in certs.ExportRequest
		if err := decodeJSON(r, &in); err != nil {
			return nil, err
		}
		if in.Format == "p12-legacy" {
			in.Format, in.Legacy = certs.ExportP12, true
		}
		return s.certs.Export(r.Context(), actor(r), id, in)
	})
}
