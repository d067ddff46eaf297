package web

import (
	"net/http"

	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/web/templates/view"
)

// apiInstallCreate records an install of a certificate.
func (s *Server) apiInstallCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The certificate first: an unknown one is a 404 whatever the body says.
	if _, err := s.certs.Certificate(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	var in installs.NewInstall
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.installs.Record(r.Context(), actor(r), id, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/installs/"+view.Itoa(out.ID))
	s.writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiInstallList(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.installs.List(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if list == nil {
		list = []installs.Install{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"installs": list, "in_production": installs.InProduction(list)})
}

func (s *Server) apiInstallGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := s.installs.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, in)
}

func (s *Server) apiInstallRetire(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := s.installs.Retire(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, in)
}

// checkBody is the optional body of a check.
type checkBody struct {
	TrustRootsPEM string `json:"trust_roots_pem"`
}

func (s *Server) apiInstallCheck(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in checkBody
	if err := decodeOptionalJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	rec, err := s.installs.Check(r.Context(), actor(r), id, in.TrustRootsPEM)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, rec)
}

// apiRequirementInstalls is a requirement's staging gate and the installs of
// its certificates.
func (s *Server) apiRequirementInstalls(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.certs.Requirement(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.installs.ForRequirements(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	gate, err := s.installs.Gate(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if list == nil {
		list = []installs.Install{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"gate": gate, "installs": list})
}

// apiStagingBoard is the staging gate of every requirement with a
// certificate, ?client_id= to narrow it to one client.
func (s *Server) apiStagingBoard(w http.ResponseWriter, r *http.Request) {
	f, err := summaryFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	board, err := s.stagingBoard(r.Context(), f.ClientID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if board == nil {
		board = []installs.GateRow{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"requirements": board})
}
