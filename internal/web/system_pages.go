package web

import (
	"context"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/certportal/certportal/web/static"
)

// healthz answers 200 when the database answers.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		s.writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// staticFiles serves the embedded CSS, JS and icons: files only. A directory
// (/static/ itself included) is a 404, not a listing of what is there.
func (s *Server) staticFiles(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, "/static/")), "/")
	if info, err := fs.Stat(static.FS, name); name == "" || err != nil || info.IsDir() {
		s.fail(w, r, notFound("There is no file at this address."))
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.StripPrefix("/static/", http.FileServerFS(static.FS)).ServeHTTP(w, r)
}
