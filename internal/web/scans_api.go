package web

import (
	"net/http"

	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/web/templates/view"
)

type scanBody struct {
	Scanner string `json:"scanner"`
}

// apiScanCreate queues a scan: 202 with the queued scan.
func (s *Server) apiScanCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.installs.Get(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	var in scanBody
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	sc, err := s.installs.StartScan(r.Context(), actor(r), id, in.Scanner)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/scans/"+view.Itoa(sc.ID))
	s.writeJSON(w, http.StatusAccepted, sc)
}

func (s *Server) apiScanList(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.installs.Get(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.installs.Scans(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if list == nil {
		list = []installs.Scan{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"scans": list})
}

func (s *Server) apiScanGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sc, err := s.installs.GetScan(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, sc)
}

func (s *Server) apiScanCancel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sc, err := s.installs.CancelScan(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, sc)
}

func (s *Server) apiScanReport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := s.installs.ScanReport(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, rep)
}

// apiShareCreate answers 201 with the link; its token is in no other answer.
func (s *Server) apiShareCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.installs.ShareReport(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.writeJSON(w, http.StatusCreated, map[string]any{"id": sh.ID, "scan_id": sh.ScanID, "token": sh.Token,
		"url": shareURL(r, sh.Token), "created_at": sh.CreatedAt, "expires_at": sh.ExpiresAt})
}

func (s *Server) apiShareList(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.installs.GetScan(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.installs.Shares(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if list == nil {
		list = []installs.Share{}
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"shares": list})
}

func (s *Server) apiShareRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.installs.RevokeShare(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, sh)
}
