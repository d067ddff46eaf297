package web

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

// A list under one record (a requirement's CSRs, an install's scans, a
// client's good-standing checks) pages newest first; rows made between pages
// never show up on a later one.
func TestAListUnderARecordVisitsEveryRowOnceWhileRowsAreAdded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok := b.token(b.user("po@example.com", accounts.RolePO))
	req := b.requirement("www.example.com")
	other := b.requirement("other.example.com")
	if resp, body := b.api("POST", fmt.Sprintf("/api/v1/requirements/%d/csrs", req), tok, `{"key_type":"ecdsa-p256"}`); resp.StatusCode != 201 {
		t.Fatalf("CSR: %d %s", resp.StatusCode, body)
	}
	copyCSR := func(to int64) {
		b.exec(`INSERT INTO csrs (requirement_id, private_key_id, source, csr_pem, key_type, subject, common_name, sans, public_key_sha256)
			SELECT $1, private_key_id, source, csr_pem, key_type, subject, common_name, sans, public_key_sha256 FROM csrs ORDER BY id LIMIT 1`, to)
	}
	var certID int64
	if err := b.srv.pool.QueryRow(t.Context(), `INSERT INTO certificates (csr_id, requirement_id, serial, issuer, subject, common_name, sans,
		not_before, not_after, fingerprint_sha256, key_type, public_key_sha256, leaf_pem, source)
		SELECT id, requirement_id, '01', 'CN=Test CA', subject, common_name, sans, now(), now() + interval '90 days', md5(random()::text),
			key_type, public_key_sha256, 'PEM', 'upload' FROM csrs ORDER BY id LIMIT 1 RETURNING id`).Scan(&certID); err != nil {
		t.Fatal(err)
	}
	installs := b.ids(`INSERT INTO installs (certificate_id, environment, hostname) VALUES ($1, 'staging', 'www.example.com'),
		($1, 'production', 'www.example.com') RETURNING id`, certID)
	addScan := func(to int64) {
		b.exec(`INSERT INTO install_scans (install_id, scanner, status, raw) VALUES ($1, 'testssl', 'done', '{"big": "answer"}')`, to)
	}
	clientsOf := b.ids(`SELECT p.client_id FROM requirements r JOIN projects p ON p.id = r.project_id WHERE r.id = ANY($1) ORDER BY r.id`, []int64{req, other})
	addStanding := func(to int64) {
		// The first twelve checks have days out of id order; later ones are of today, the newest.
		b.exec(`INSERT INTO good_standing (client_id, status, checked_on)
			SELECT $1, 'good', CASE WHEN count(*) < 12 THEN current_date - 1 - (count(*) * 37 % 500)::int ELSE current_date END
			FROM good_standing WHERE client_id = $1`, to)
	}
	for _, tc := range []struct {
		name, api, key, page, ids string
		id, otherID               int64
		add                       func(int64)
	}{
		{"CSRs", "/api/v1/requirements/%d/csrs", "csrs", "/requirements/%d/csrs", `SELECT id FROM csrs WHERE requirement_id = $1`, req, other, copyCSR},
		{"scans", "/api/v1/installs/%d/scans", "scans", "/installs/%d", `SELECT id FROM install_scans WHERE install_id = $1`, installs[0], installs[1], addScan},
		{"standing", "/api/v1/clients/%d/standing", "standing", "/clients/%d", `SELECT id FROM good_standing WHERE client_id = $1`, clientsOf[0], clientsOf[1], addStanding},
	} {
		for range 12 {
			tc.add(tc.id)
			tc.add(tc.otherID)
		}
		for _, dir := range []string{"", "asc"} {
			want := b.ids(tc.ids, tc.id)
			path := fmt.Sprintf(tc.api+"?limit=5&dir=%s", tc.id, dir)
			seen := walkAPIPages(t, b, path, tok, tc.key, func(int) { tc.add(tc.id) })
			checkSeenOnce(t, tc.name+" dir "+dir, seen, want)
			for id := range seen {
				if dir != "asc" && !slices.Contains(want, id) {
					t.Errorf("%s newest first: %d, made after the first page, is on a later one", tc.name, id)
				}
			}
		}
		checkLimitRefused(t, b, fmt.Sprintf(tc.api+"?limit=501", tc.id), tok)
		if _, body := b.api("GET", fmt.Sprintf(tc.api, tc.id), tok, ""); strings.Contains(body, "big") {
			t.Errorf("%s: a list item carries the scanner's raw answer", tc.name)
		}
		br := b.browser()
		br.signIn("po@example.com")
		if _, page := br.get(fmt.Sprintf(tc.page+"?limit=4", tc.id)); !strings.Contains(page, `data-testid="page-next"`) {
			t.Errorf("%s: the page of 4 offers no Next link", tc.name)
		}
	}
	if _, body := b.api("GET", fmt.Sprintf("/api/v1/scans/%d", b.ids(`SELECT max(id) FROM install_scans`)[0]), tok, ""); !strings.Contains(body, "big") {
		t.Errorf("one scan's answer lost its raw answer: %.200s", body)
	}
}
