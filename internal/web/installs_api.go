package web

import (
	"context"
	"net/http"

	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/page"
)

// apiInstallCreate records an install of a certificate.
func (s *Server) apiInstallCreate(w http.ResponseWriter, r *http.Request) {
	// The certificate first: an unknown one is a 404 whatever the body says.
	certificateExists := func(id int64) (installs.NewInstall, error) {
		_, err := s.certs.Certificate(r.Context(), id)
		return installs.NewInstall{}, err
	}
	serveByID(s, w, r, http.StatusCreated, certificateExists, func(id int64, in installs.NewInstall) (*installs.Install, error) {
		out, err := s.installs.Record(r.Context(), actor(r), id, in)
		if err == nil {
			created(w, "/api/v1/installs/", out.ID)
		}
		return out, err
	})
}

func (s *Server) apiInstallList(w http.ResponseWriter, r *http.Request) {
	servePagedWith(s, w, r, "installs", installs.InstallSorts, s.installs.Page, installItem,
		func(id int64, out map[string]any) (err error) {
			out["in_production"], err = s.installs.CertificateInProduction(r.Context(), id)
			return err
		})
}

// installItem is an install as a list shows it: the whole record.
func installItem(in *installs.Install) *installs.Install { return in }

func (s *Server) apiInstallGet(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusOK, func(id int64) (*installs.Install, error) { return s.installs.Get(r.Context(), id) })
}

func (s *Server) apiInstallRetire(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusOK, func(id int64) (*installs.Install, error) {
		return s.installs.Retire(r.Context(), actor(r), id)
	})
}

// checkBody is the optional body of a check.
type checkBody struct {
	TrustRootsPEM string `json:"trust_roots_pem"`
}

func (s *Server) apiInstallCheck(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusOK, func(id int64) (any, error) {
		var in checkBody
		if err := decodeOptionalJSON(r, &in); err != nil {
			return nil, err
		}
		return s.installs.Check(r.Context(), actor(r), id, in.TrustRootsPEM)
	})
}

// apiRequirementInstalls is a requirement's staging gate and the installs of
// its certificates.
func (s *Server) apiRequirementInstalls(w http.ResponseWriter, r *http.Request) {
	requirementInstalls := func(ctx context.Context, id int64, req page.Request) (page.Result[installs.Install], error) {
		if _, err := s.certs.Requirement(ctx, id); err != nil {
			return page.Result[installs.Install]{}, err
		}
		return s.installs.RequirementPage(ctx, id, req)
	}
	servePagedWith(s, w, r, "installs", installs.InstallSorts, requirementInstalls, installItem,
		func(id int64, out map[string]any) (err error) {
			out["gate"], err = s.installs.Gate(r.Context(), id)
			return err
		})
}

// apiStagingBoard is the staging gate of every requirement with a
// certificate, ?client_id= to narrow it to one client.
func (s *Server) apiStagingBoard(w http.ResponseWriter, r *http.Request) {
	serve(s, w, r, http.StatusOK, func() (map[string]any, error) {
		f, err := summaryFilter(r)
		if err != nil {
			return nil, err
		}
		board, err := s.stagingBoard(r.Context(), f.ClientID)
		return map[string]any{"requirements": orEmpty(board)}, err
	})
}
