package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// cachedViews are the read-only views whose rendered answer is kept per data
// version: the home page (its boxes are the dashboard's and the staging
// board's, its cards follow the roles), the dashboard, the big lists and the
// status pages, and their API twins. Each reads only tables whose writes bump the data version (migrations
// 00015, 00028, 00029) in the writing transaction, so a view is never older
// than a change its reader has seen commit; the minute is part of the key too,
// for what moves with the clock (days left, business days waiting).
var cachedViews = map[string]bool{
	"/": true, "/dashboard": true, "/dashboard/{list}": true, "/certificates": true, "/orders": true,
	"/clients": true, "/projects": true, "/clients/{id}/status": true, "/projects/{id}/status": true,
	"/api/v1/dashboard": true, "/api/v1/dashboard/{list}": true, "/api/v1/certificates": true,
	"/api/v1/orders": true, "/api/v1/clients": true, "/api/v1/projects": true,
	"/api/v1/clients/{id}/status": true, "/api/v1/projects/{id}/status": true,
}

// viewCacheEntries and viewCacheBytes bound the memory the views take; a view
// larger than viewMaxBytes is never kept.
const (
	viewCacheEntries = 2048
	viewCacheBytes   = 64 << 20
	viewMaxBytes     = 1 << 20
)

// viewEntry is a kept answer, cut where the request id stood (the footer names
// the request that served it), so a hit writes the parts around each answer's
// own id without scanning the page.
type viewEntry struct {
	contentType string
	parts       [][]byte
	size        int
}

// write answers e with id where the serving request's id stood.
func (e viewEntry) write(w http.ResponseWriter, id string) {
	w.Header().Set("Content-Type", e.contentType)
	for i, part := range e.parts {
		if i > 0 {
			_, _ = io.WriteString(w, id)
		}
		_, _ = w.Write(part)
	}
}

// viewCache holds rendered views by key (see viewKey).
type viewCache struct {
	mu      sync.Mutex
	entries map[string]viewEntry
	bytes   int
}

func (c *viewCache) get(key string) (viewEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	return e, ok
}

func (c *viewCache) put(key string, e viewEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= viewCacheEntries || c.bytes+e.size > viewCacheBytes {
		c.entries, c.bytes = map[string]viewEntry{}, 0
	}
	if old, ok := c.entries[key]; ok {
		c.bytes -= old.size
	}
	c.entries[key] = e
	c.bytes += e.size
}

// sessionKeysOfAView are the session values a cacheable page may hold: any
// other (a flash, a form's kept input, a new token shown once) is shown once
// and must be rendered afresh.
var sessionKeysOfAView = []string{sessUserID, sessGeneration, sessCSRF, sessReauthAt}

// viewKey names the view a request would get: who asks (the user as the page
// shows them, and for a page the session's CSRF token that its forms carry),
// what (method and address) and as of when (data version and minute). ok is
// false when the request must be rendered afresh.
func (s *Server) viewKey(r *http.Request) (key string, version int64, ok bool) {
	u := currentUser(r)
	if u == nil || s.dashboard == nil {
		return "", 0, false
	}
	var csrf string
	if hasSession(r) {
		for _, k := range s.sessions.Keys(r.Context()) {
			if !slices.Contains(sessionKeysOfAView, k) {
				return "", 0, false
			}
		}
		if csrf = s.sessions.GetString(r.Context(), sessCSRF); csrf == "" {
			return "", 0, false // rendering makes the token: not a view to keep
		}
	}
	v, err := s.dataVersion(r.Context())
	if err != nil {
		return "", 0, false
	}
	h := sha256.New()
	for _, part := range []string{r.Method, r.URL.RequestURI(), r.Header.Get("Accept"), strconv.FormatInt(u.ID, 10), u.Name, u.Email,
		rolesString(u.Roles), csrf, strconv.FormatInt(v, 10), s.dashboard.Now().UTC().Truncate(time.Minute).Format(time.RFC3339)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)), v, true
}

// keptView serves a cached view when there is one, and keeps the answer of
// next otherwise (a 200 that no change raced with).
func (s *Server) keptView(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, version, ok := s.viewKey(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		id := requestIDFrom(r.Context())
		if e, hit := s.views.get(key); hit {
			e.write(w, id)
			return
		}
		rec := &teeWriter{statusRecorder: statusRecorder{ResponseWriter: w}}
		next.ServeHTTP(rec, r)
		if rec.status != http.StatusOK || rec.over {
			return
		}
		if after, err := s.dataVersion(context.WithoutCancel(r.Context())); err != nil || after != version {
			return
		}
		body := bytes.Clone(rec.buf.Bytes())
		parts := [][]byte{body}
		if id != "" {
			parts = bytes.Split(body, []byte(id))
		}
		s.views.put(key, viewEntry{contentType: w.Header().Get("Content-Type"), parts: parts, size: len(body)})
	})
}

// dataVersion is the data version as of a moment at or after the call began,
// from memory while nothing has moved it. Memory is exact because it is
// dropped (1) when any transaction that moves it commits, in any process,
// announced on the cache bus (migration 00033), and (2) in this process as soon
// as a request that may have written answers (forgetVersionOnWrite), so the
// redirect after a change never meets the version from before it. While the
// bus is not listening every call reads PostgreSQL.
func (s *Server) dataVersion(ctx context.Context) (int64, error) {
	if v, ok := s.version.Get(struct{}{}); ok {
		return v, nil
	}
	t := s.version.Ticket()
	v, err := s.dashboard.DataVersion(ctx)
	if err != nil {
		return 0, err
	}
	s.version.Put(struct{}{}, v, t)
	return v, nil
}

// forgetVersionOnWrite drops the in-memory data version when a request that
// may have written starts its answer and again when it ends: its transaction
// has committed by then, and its announcement may not have arrived yet.
func (s *Server) forgetVersionOnWrite(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isSafeMethod(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		defer s.version.ForgetAll()
		next.ServeHTTP(&forgetOnAnswer{ResponseWriter: w, forget: s.version.ForgetAll}, r)
	})
}

// forgetOnAnswer calls forget before the first byte of the answer leaves.
type forgetOnAnswer struct {
	http.ResponseWriter
	forget   func()
	answered bool
}

func (w *forgetOnAnswer) WriteHeader(code int) {
	w.answer()
	w.ResponseWriter.WriteHeader(code)
}

func (w *forgetOnAnswer) Write(b []byte) (int, error) {
	w.answer()
	return w.ResponseWriter.Write(b)
}

func (w *forgetOnAnswer) answer() {
	if !w.answered {
		w.answered = true
		w.forget()
	}
}

func (w *forgetOnAnswer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// teeWriter passes the answer on and keeps a copy of its body (up to
// viewMaxBytes).
type teeWriter struct {
	statusRecorder
	buf  bytes.Buffer
	over bool
}

func (t *teeWriter) Write(b []byte) (int, error) {
	if !t.over {
		if t.buf.Len()+len(b) > viewMaxBytes {
			t.over = true
			t.buf = bytes.Buffer{}
		} else {
			t.buf.Write(b)
		}
	}
	return t.statusRecorder.Write(b)
}

// isCachedView reports whether a route's answer is kept per data version.
func isCachedView(method, pattern string) bool {
	return method == http.MethodGet && cachedViews[pattern]
}
