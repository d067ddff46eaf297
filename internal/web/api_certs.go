package web

import (
	"net/http"

	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/csrgen"
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
