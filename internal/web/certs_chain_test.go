package web

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/bundle/bundletest"
)

type apiCert struct {
	ID               int64    `json:"id"`
	IntermediatesPEM string   `json:"intermediates_pem"`
	RootPEM          string   `json:"root_pem"`
	MissingIssuer    string   `json:"missing_issuer"`
	Warnings         []string `json:"warnings"`
}

func TestAPIRefusesBERBombsAtOnceOnCertificateAndIntermediates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	po, csrID, der, _ := b.poWithCSR("ecdsa-p256")
	resp, body := b.upload(po, csrID, "application/octet-stream", der)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("the leaf: %d %s", resp.StatusCode, body)
	}
	var c apiCert
	decodeInto(t, body, &c)

	derBomb := bundletest.BERBomb(1 << 20)
	pemBomb := pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: bundletest.BERBomb(700 << 10)})
	for _, tc := range []struct {
		name, path, contentType string
		body                    []byte
	}{
		{"a DER bomb as a certificate", fmt.Sprintf("/api/v1/csrs/%d/certificate", csrID), "application/pkcs7-mime", derBomb},
		{"a PEM PKCS7 bomb as a certificate", fmt.Sprintf("/api/v1/csrs/%d/certificate", csrID), "text/plain", pemBomb},
		{"a DER bomb as an intermediate", fmt.Sprintf("/api/v1/certificates/%d/intermediates", c.ID), "application/octet-stream", derBomb},
		{"a PEM PKCS7 bomb as an intermediate", fmt.Sprintf("/api/v1/certificates/%d/intermediates", c.ID), "text/plain", pemBomb},
	} {
		start := time.Now()
		resp, body := b.rawAPI("POST", tc.path, po, tc.contentType, tc.body)
		// Unguarded, the parser took minutes over a mebibyte; the limit is
		// generous for a loaded machine.
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s: answered after %v", tc.name, took)
		}
		if !strings.Contains(fieldRefusal(t, resp, body, "certificate"), "nests deeper than any certificate bundle") {
			t.Errorf("%s: %d %s, want 422 naming the certificate field", tc.name, resp.StatusCode, body)
		}
	}
	b.wantRows("certificates", 1, "certificates stored (the one leaf)")
}

func TestAPIRefusesMoreThan20CertificatesInOneUpload(t *testing.T) {
	t.Parallel()
	b := setup(t)
	po, csrID, _, leafPEM := b.poWithCSR("ecdsa-p256")
	inter, _ := testPKI.Read(bundletest.InterCert)
	body := append(append(leafPEM, inter...), bundletest.SameSubjectCAs(t, 19)...)
	resp, out := b.upload(po, csrID, "text/plain", body)
	if !strings.Contains(fieldRefusal(t, resp, out, "certificate"), "holds 21 certificates; at most 20") {
		t.Errorf("21 certificates: %d %s, want 422 saying the limit", resp.StatusCode, out)
	}
	b.wantRows("certificates", 0, "certificates stored")
}

func TestAPIKeepsTheRootSentFirstWhenTheMissingIntermediateArrives(t *testing.T) {
	t.Parallel()
	b := setup(t)
	po, csrID, _, leafPEM := b.poWithCSR("ecdsa-p256")
	root, _ := testPKI.Read(bundletest.RootCert)
	inter, _ := testPKI.Read(bundletest.InterCert)
	resp, body := b.upload(po, csrID, "text/plain", append(leafPEM, root...))
	var c apiCert
	decodeInto(t, body, &c)
	if resp.StatusCode != http.StatusCreated || c.MissingIssuer == "" {
		t.Fatalf("leaf and root: %d %s", resp.StatusCode, body)
	}
	resp, body = b.rawAPI("POST", fmt.Sprintf("/api/v1/certificates/%d/intermediates", c.ID), po, "text/plain", inter)
	c = apiCert{}
	decodeInto(t, body, &c)
	if resp.StatusCode != http.StatusOK || c.RootPEM != string(root) || c.IntermediatesPEM != string(inter) || c.MissingIssuer != "" {
		t.Errorf("after the intermediate: %d, root %q, intermediates %q, missing %q; want the root of the first upload kept",
			resp.StatusCode, c.RootPEM, c.IntermediatesPEM, c.MissingIssuer)
	}
}

func TestAPIConnectsAChainSignedWithSHA1AndWarnsAboutIt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	po := b.token(b.user("po@example.com", accounts.RolePO))
	req := b.requirement("www.example.com")
	resp, body := b.api("POST", fmt.Sprintf("/api/v1/requirements/%d/csrs", req), po, `{"key_type":"ecdsa-p256"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("CSR: %d %s", resp.StatusCode, body)
	}
	var csr csrResponse
	decodeInto(t, body, &csr)
	d, err := bundletest.BuildDigestChain(t.TempDir(), "rsa", "sha256", "sha1", "sha256", []byte(csr.CSRPEM))
	if err != nil {
		t.Fatal(err)
	}
	upload := string(d.Leaf) + string(d.Inter) + string(d.Root)
	resp, body = b.rawAPI("POST", fmt.Sprintf("/api/v1/csrs/%d/certificate", csr.ID), po, "text/plain", []byte(upload))
	var c apiCert
	decodeInto(t, body, &c)
	if resp.StatusCode != http.StatusCreated || c.MissingIssuer != "" || c.IntermediatesPEM != string(d.Inter) || c.RootPEM != string(d.Root) {
		t.Fatalf("a SHA-1-signed intermediate: %d, missing %q, intermediates %q, root %q; want the whole chain connected",
			resp.StatusCode, c.MissingIssuer, c.IntermediatesPEM, c.RootPEM)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], `"CN=Old Digest Intermediate, O=Old Digest CA" is signed with SHA-1`) ||
		!strings.Contains(c.Warnings[0], "browsers reject SHA-1 signatures") {
		t.Errorf("warnings %q, want one about the SHA-1 signature on the intermediate", c.Warnings)
	}
	resp, body = b.api("GET", fmt.Sprintf("/api/v1/certificates/%d/bundle?format=fullchain", c.ID), po, "")
	if resp.StatusCode != http.StatusOK || body != string(d.Leaf)+string(d.Inter) {
		t.Errorf("fullchain: %d, want the leaf then the SHA-1-signed intermediate:\n%s", resp.StatusCode, body)
	}
}
