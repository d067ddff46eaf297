package web

import (
	"net/http"

	"github.com/certportal/certportal/internal/installs"
)

type scanBody struct {
	Scanner string `json:"scanner"`
}

// apiScanCreate queues a scan: 202 with the queued scan.
func (s *Server) apiScanCreate(w http.ResponseWriter, r *http.Request) {
	installExists := func(id int64) (scanBody, error) {
		_, err := s.installs.Get(r.Context(), id)
		return scanBody{}, err
	}
	serveByID(s, w, r, http.StatusAccepted, installExists, func(id int64, in scanBody) (*installs.Scan, error) {
		sc, err := s.installs.StartScan(r.Context(), actor(r), id, in.Scanner)
		if err == nil {
			created(w, "/api/v1/scans/", sc.ID)
		}
		return sc, err
	})
}

func (s *Server) apiScanList(w http.ResponseWriter, r *http.Request) {
	servePagedOf(s, w, r, "scans", installs.ScanSorts, s.installs.ScanPage, func(sc *installs.Scan) *installs.Scan { return sc })
}

func (s *Server) apiScanGet(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusOK, func(id int64) (*installs.Scan, error) { return s.installs.GetScan(r.Context(), id) })
}

func (s *Server) apiScanCancel(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusOK, func(id int64) (*installs.Scan, error) {
		return s.installs.CancelScan(r.Context(), actor(r), id)
	})
}

func (s *Server) apiScanReport(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusOK, func(id int64) (any, error) { return s.installs.ScanReport(r.Context(), id) })
}

// apiShareCreate answers 201 with the link; its token is in no other answer.
func (s *Server) apiShareCreate(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusCreated, func(id int64) (map[string]any, error) {
		sh, err := s.installs.ShareReport(r.Context(), actor(r), id)
		if err != nil {
			return nil, err
		}
		w.Header().Set("Cache-Control", "no-store")
		return map[string]any{"id": sh.ID, "scan_id": sh.ScanID, "token": sh.Token,
			"url": shareURL(r, sh.Token), "created_at": sh.CreatedAt, "expires_at": sh.ExpiresAt}, nil
	})
}

func (s *Server) apiShareList(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, "shares", func(id int64) (*installs.Scan, error) { return s.installs.GetScan(r.Context(), id) },
		func(id int64) ([]installs.Share, error) { return s.installs.Shares(r.Context(), id) })
}

func (s *Server) apiShareRevoke(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusOK, func(id int64) (any, error) { return s.installs.RevokeShare(r.Context(), actor(r), id) })
}
