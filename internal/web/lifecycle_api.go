package web

import (
	"net/http"
	"strconv"

	"github.com/certportal/certportal/internal/errs"
)

func (s *Server) apiCertificateRenew(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusCreated, func(id int64) (any, error) { return s.lifecycle.Renew(r.Context(), actor(r), id) })
}

func (s *Server) apiNotificationDeliveries(w http.ResponseWriter, r *http.Request) {
	limit := 200
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.fail(w, r, errs.Field("limit", "The limit is a number from 1 to 1000."))
			return
		}
		limit = n
	}
	list, err := s.notify.Deliveries(r.Context(), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"deliveries": list})
}

func (s *Server) apiNotificationRetry(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusAccepted, func(id int64) (map[string]any, error) {
		return map[string]any{"id": id, "status": "pending"}, s.notify.Retry(r.Context(), id)
	})
}
