package web

import (
	"net/http"
)

func (s *Server) apiCertificateRenew(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusCreated, func(id int64) (any, error) { return s.lifecycle.Renew(r.Context(), actor(r), id) })
}

func (s *Server) apiNotificationDeliveries(w http.ResponseWriter, r *http.Request) {
	res, err := s.deliveryPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, pagedAnswer("deliveries", res.Items, res.Next, res.Prev))
}
func (s *Server) apiNotificationRetry(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusAccepted, func(id int64) (map[string]any, error) {
		return map[string]any{"id": id, "status": "pending"}, s.notify.Retry(r.Context(), id)
	})
}
