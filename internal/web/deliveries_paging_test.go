package web

import (
	"slices"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

func TestTheDeliveryListVisitsEveryDeliveryOnceAndShowsTheNewestFailingOnesWithALinkToAll(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok := b.token(b.user("admin@example.com", accounts.RoleAdmin))
	deliver := func(n int, status string, attempts int) {
		b.exec(`INSERT INTO notification_deliveries (event, channel, recipient, subject, payload, status, attempts)
			SELECT 'expiry', 'email', 'po@example.com', 'Renew', '{}', $2, $3 FROM generate_series(1, $1)`, n, status, attempts)
	}
	deliver(9, "sent", 1)
	deliver(failingShown+3, "failed", 5)
	for _, tc := range []struct{ query, where string }{
		{"", "true"},
		{"&failing=1", "status = 'failed'"},
	} {
		want := b.ids(`SELECT id FROM notification_deliveries WHERE ` + tc.where)
		seen := walkAPIPages(t, b, "/api/v1/notifications?limit=7"+tc.query, tok, "deliveries", func(int) {
			deliver(1, "sent", 1)
			deliver(1, "failed", 5)
		})
		checkSeenOnce(t, "deliveries"+tc.query, seen, want)
		for id := range seen {
			if !slices.Contains(want, id) {
				t.Errorf("deliveries%s: %d, written after the first page, is on a later one (or not failing)", tc.query, id)
			}
		}
	}
	checkLimitRefused(t, b, "/api/v1/notifications?limit=501", tok)

	br := b.browser()
	br.signIn("admin@example.com")
	_, page := br.get("/notifications?limit=5")
	if n := strings.Count(page, `data-testid="delivery-failure"`); n != failingShown {
		t.Errorf("the page shows %d failing deliveries, want the newest %d", n, failingShown)
	}
	if !strings.Contains(page, `href="/notifications?failing=1"`) || strings.Count(page, `data-testid="delivery"`) != 5 ||
		!strings.Contains(page, `data-testid="page-next"`) {
		t.Errorf("the page of 5 messages: want a link to every failing one, 5 messages and a Next link")
	}
}
