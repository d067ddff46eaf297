package web

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/logtest"
	"github.com/certportal/certportal/internal/nettest"
	"github.com/certportal/certportal/internal/pgtest"
	"github.com/certportal/certportal/internal/services"
)

// While PostgreSQL is down, a page answers one 503 page: scs reports the failed
// session save through ErrorFunc and the handler used to go on writing its
// own page after the error page ("superfluous response.WriteHeader").
func TestPagesAnswerOne503WhileTheDatabaseIsDown(t *testing.T) {
	t.Parallel()
	stoppedPool := func(t *testing.T) *pgxpool.Pool {
		pool, err := pgxpool.New(context.Background(), fmt.Sprintf("postgres://nobody@127.0.0.1:%d/none?sslmode=disable&connect_timeout=5", nettest.ClosedPort(t)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		return pool
	}
	closedPool := func(t *testing.T) *pgxpool.Pool {
		pool := pgtest.Pool(t)
		pool.Close()
		return pool
	}
	for name, makePool := range map[string]func(*testing.T) *pgxpool.Pool{"stopped database": stoppedPool, "closed pool": closedPool} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pool := makePool(t)
			logBuf := &logtest.Buffer{}
			srv := New(Config{Env: "test"}, Deps{Pool: pool, Logger: slog.New(slog.NewTextHandler(logBuf, nil)), Services: services.New(pool, services.Config{})})
			httpLog := &logtest.Buffer{}
			ts := httptest.NewUnstartedServer(srv.Handler())
			ts.Config.ErrorLog = log.New(httpLog, "", 0)
			ts.Start()
			t.Cleanup(func() { ts.Close(); _ = srv.Close(context.Background()) })

			// Without a session cookie the sign-in page reads nothing from the
			// database (anonymous pages touch no session): it answers alone, 200.
			resp, err := http.Get(ts.URL + "/login")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || strings.Count(string(body), "<html") != 1 {
				t.Errorf("GET /login without a session: %d with %d pages, want 200 and the sign-in page alone", resp.StatusCode, strings.Count(string(body), "<html"))
			}
			for _, tc := range []struct {
				path   string
				cookie bool
			}{{"/login", true}, {"/", true}} {
				req, _ := http.NewRequest("GET", ts.URL+tc.path, nil)
				if tc.cookie { // a session to load: the load fails first
					req.AddCookie(&http.Cookie{Name: "certportal_session", Value: "some-session-token"})
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("GET %s (cookie %v): %d, want 503", tc.path, tc.cookie, resp.StatusCode)
				}
				if n := strings.Count(string(body), "<html"); n != 1 || strings.Contains(string(body), `name="password"`) {
					t.Errorf("GET %s (cookie %v): the body holds %d pages (sign-in form: %v), want the error page alone:\n%s",
						tc.path, tc.cookie, n, strings.Contains(string(body), `name="password"`), body)
				}
				if !strings.Contains(string(body), "cannot reach its database") || resp.Header.Get("Retry-After") == "" {
					t.Errorf("GET %s: the page does not say the database is unreachable or lacks Retry-After:\n%s", tc.path, body)
				}
			}
			if strings.Contains(httpLog.String(), "superfluous") {
				t.Errorf("net/http logged a second response:\n%s", httpLog)
			}
		})
	}
}

// A request whose client went away (a closed tab, a load test's end) ends its
// reads with the context's error: that is logged as abandoned, with 499 in the
// request log, not as a server error with a 500; any other cancellation is
// still a server error.
func TestARequestItsClientAbandonedIsNotAServerError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		status int
		log    string
	}{
		{"client gone", gone, statusClientClosedRequest, `msg="request abandoned by the client"`},
		{"client still there", context.Background(), http.StatusInternalServerError, `level=ERROR msg="server error"`},
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/api/v1/dashboard", nil).WithContext(tc.ctx)
		b.srv.serverError(w, r, fmt.Errorf("dashboard: data version: %w", context.Canceled))
		if w.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, w.Code, tc.status)
		}
		if !strings.Contains(b.logBuf.String(), tc.log) {
			t.Errorf("%s: the log has no %s:\n%s", tc.name, tc.log, b.logBuf.String())
		}
	}
	if strings.Count(b.logBuf.String(), `msg="server error"`) != 1 {
		t.Errorf("the abandoned request was logged as a server error:\n%s", b.logBuf.String())
	}
}
