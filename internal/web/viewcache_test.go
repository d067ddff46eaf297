package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

// The data version is held in memory between changes; a change committed by
// another process (a replica, `portal seed`, a River job) reaches the kept
// views through its announcement.
func TestAKeptViewShowsAnotherProcesssChangeOnceAnnounced(t *testing.T) {
	t.Parallel()
	b := cachedSetup(t)
	po := b.user("po@example.com", accounts.RolePO)
	tok := b.token(po)
	for range 2 {
		b.api("GET", "/api/v1/clients", tok, "")
	}
	if _, held := b.srv.version.Get(struct{}{}); !held {
		t.Fatalf("the data version is read from PostgreSQL on every kept view")
	}
	b.exec(`INSERT INTO clients (display_name, legal_name, country) VALUES ('Made Elsewhere', 'Made Elsewhere Ltd', 'GB')`)
	within(t, "the other process's client shows on the kept list", func() bool {
		_, body := b.api("GET", "/api/v1/clients", tok, "")
		return strings.Contains(body, "Made Elsewhere")
	})
}

// A request that may have written drops the held version before its answer
// leaves, so the request that follows it (the redirect after a form) never
// meets the version from before the change, even before the announcement
// arrives; reads leave it held.
func TestARequestThatMayWriteDropsTheHeldVersionBeforeItAnswers(t *testing.T) {
	t.Parallel()
	b := cachedSetup(t)
	for _, tc := range []struct {
		method string
		drops  bool
	}{
		{http.MethodGet, false}, {http.MethodHead, false}, {http.MethodPost, true},
		{http.MethodPut, true}, {http.MethodPatch, true}, {http.MethodDelete, true},
	} {
		if _, err := b.srv.dataVersion(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, held := b.srv.version.Get(struct{}{}); !held {
			t.Fatalf("%s: the version was not held after a read", tc.method)
		}
		var heldAtAnswer bool
		h := b.srv.forgetVersionOnWrite(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusSeeOther)
			_, heldAtAnswer = b.srv.version.Get(struct{}{})
		}))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tc.method, "/clients", nil))
		if heldAtAnswer == tc.drops {
			t.Errorf("%s: version held when the answer started = %v, want %v", tc.method, heldAtAnswer, !tc.drops)
		}
		if _, held := b.srv.version.Get(struct{}{}); held == tc.drops {
			t.Errorf("%s: version held after the request = %v, want %v", tc.method, held, !tc.drops)
		}
	}
}
