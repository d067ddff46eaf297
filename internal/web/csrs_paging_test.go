package web

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

func TestARequirementsCSRListVisitsEveryCSROnceWhileCSRsAreMade(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok := b.token(b.user("po@example.com", accounts.RolePO))
	req := b.requirement("www.example.com")
	other := b.requirement("other.example.com")
	if resp, body := b.api("POST", fmt.Sprintf("/api/v1/requirements/%d/csrs", req), tok, `{"key_type":"ecdsa-p256"}`); resp.StatusCode != 201 {
		t.Fatalf("CSR: %d %s", resp.StatusCode, body)
	}
	// More CSRs like the first, here and on another requirement.
	copyCSR := func(to int64) {
		b.exec(`INSERT INTO csrs (requirement_id, private_key_id, source, csr_pem, key_type, subject, common_name, sans, public_key_sha256)
			SELECT $1, private_key_id, source, csr_pem, key_type, subject, common_name, sans, public_key_sha256 FROM csrs ORDER BY id LIMIT 1`, to)
	}
	for range 12 {
		copyCSR(req)
		copyCSR(other)
	}
	for _, dir := range []string{"", "asc"} {
		want := b.ids(`SELECT id FROM csrs WHERE requirement_id = $1`, req)
		seen := walkAPIPages(t, b, fmt.Sprintf("/api/v1/requirements/%d/csrs?limit=5&dir=%s", req, dir), tok, "csrs", func(int) { copyCSR(req) })
		checkSeenOnce(t, "dir "+dir, seen, want)
		for id := range seen {
			if dir != "asc" && !slices.Contains(want, id) {
				t.Errorf("newest first: CSR %d, made after the first page, is on a later one", id)
			}
		}
	}
	checkLimitRefused(t, b, fmt.Sprintf("/api/v1/requirements/%d/csrs?limit=501", req), tok)

	br := b.browser()
	br.signIn("po@example.com")
	_, first := br.get(fmt.Sprintf("/requirements/%d/csrs?limit=4", req))
	if strings.Count(first, `href="/csrs/`) != 4 || !strings.Contains(first, `data-testid="page-next"`) {
		t.Errorf("the CSR page of 4: want 4 CSRs and a Next link")
	}
}
