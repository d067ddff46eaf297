package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

func TestAKeyUnderAMasterKeyNotConfiguredSaysWhichVersionIsMissing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	eng := b.token(b.user("eng@example.com", accounts.RoleEngineer))
	po, csrID, der, _ := b.poWithCSR("ecdsa-p256")
	resp, body := b.upload(po, csrID, "application/octet-stream", der)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	var c struct{ ID int64 }
	decodeInto(t, body, &c)
	// As if the key had been made by a replica whose master key is not in
	// this process's PORTAL_MASTER_KEYS.
	if _, err := b.srv.pool.Exec(context.Background(), `UPDATE private_keys SET kek_id = '2024-retired'`); err != nil {
		t.Fatal(err)
	}
	resp, body = b.api("GET", fmt.Sprintf("/api/v1/certificates/%d/key?reason=%s", c.ID, url.QueryEscape("deploy")), eng, "")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "master key version 2024-retired, which is not configured (PORTAL_MASTER_KEYS)") {
		t.Fatalf("key under a missing master key: %d %s, want 503 naming version 2024-retired", resp.StatusCode, body)
	}
	if logs := b.logBuf.String(); !strings.Contains(logs, "2024-retired") {
		t.Errorf("the log does not name the missing version:\n%s", logs)
	}
}
