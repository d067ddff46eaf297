package web

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

func TestAPOGeneratesACSRFromThePrefilledFormAndSeesItDecoded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	br := b.signedIn("po@example.com", accounts.RolePO)
	req := b.requirement("*.example.com", "example.com")
	page := fmt.Sprintf("/requirements/%d/csrs", req)

	resp, body := br.get(page)
	if resp.StatusCode != 200 || !strings.Contains(body, `value="ExampleBiz LLC"`) || !strings.Contains(body, `value="*.example.com"`) ||
		!strings.Contains(body, "*.example.com\nexample.com</textarea>") {
		t.Fatalf("the form is not prefilled from the client and requirement: %d\n%s", resp.StatusCode, body)
	}
	form := url.Values{"key_type": {"ecdsa-p256"}, "country": {"USA"}, "state": {"Illinois"}, "locality": {"Chicago"},
		"organization": {"ExampleBiz LLC"}, "common_name": {"*.example.com"}, "sans": {"*.example.com\nexample.com"}}
	resp, body = br.post(page, form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="error-country"`) || !strings.Contains(body, `value="Illinois"`) {
		t.Fatalf("a bad country: %d, want 422 with the field marked and the other values kept\n%s", resp.StatusCode, body)
	}
	form.Set("country", "US")
	resp, _ = br.post(page, form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/csrs/") {
		t.Fatalf("generate: %d to %q", resp.StatusCode, loc)
	}
	_, body = br.get(loc)
	for _, want := range []string{"verify OK", "C=US, ST=Illinois, L=Chicago, O=ExampleBiz LLC, CN=*.example.com", "ECDSA P-256",
		"ecdsa-with-SHA256", "-----BEGIN CERTIFICATE REQUEST-----", "DNS:*.example.com, DNS:example.com", `data-copy="#csr-pem"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the CSR page lacks %q", want)
		}
	}
	if strings.Contains(body, "PRIVATE KEY") {
		t.Error("the CSR page shows a private key")
	}
	resp, body = br.get(loc + "/download")
	if resp.Header.Get("Content-Disposition") != `attachment; filename="wildcard.example.com.csr"` || !strings.HasPrefix(body, "-----BEGIN CERTIFICATE REQUEST-----") {
		t.Errorf("download: %q\n%s", resp.Header.Get("Content-Disposition"), body)
	}

	// Bring-your-own key: pasted, checked, marked.
	_, apiBody := b.api("GET", "/api/v1"+loc, b.token(b.user("am@example.com", accounts.RoleAM)), "")
	var c csrResponse
	decodeInto(t, apiBody, &c)
	resp, _ = br.post(page+"/paste", url.Values{"csr_pem": {c.CSRPEM}})
	mustStatus(t, resp, http.StatusSeeOther, "paste: %d")
	br.wantPage(resp.Header.Get("Location"), "the pasted CSR verified with its key held outside", `data-testid="key-held-outside"`, "verify OK")
	resp, body = br.post(page+"/paste", url.Values{"csr_pem": {"not a CSR"}})
	wantMarked(t, "a junk paste", resp, body, "csr_pem")
}

func TestAnAccountManagerReadsCSRsButGetsNoForms(t *testing.T) {
	t.Parallel()
	b := setup(t)
	br := b.signedIn("am@example.com", accounts.RoleAM)
	req := b.requirement("www.example.com")
	_, body := br.get(fmt.Sprintf("/requirements/%d/csrs", req))
	if strings.Contains(body, `data-testid="csr-form"`) || strings.Contains(body, `data-testid="paste-csr-form"`) {
		t.Error("an account manager is offered the generate or paste form")
	}
	resp, _ := br.post(fmt.Sprintf("/requirements/%d/csrs", req), url.Values{"country": {"US"}})
	wantStatus(t, resp, http.StatusForbidden, "an account manager posting: %d, want 403")
}

// A certificate file over 2 MiB on the CSR page used to answer 403 "The form
// has expired": the CSRF check could not read its token from the cut-off
// body. Whether the client announces the length or streams the body, the
// answer is 413 with the limit.
func TestAnOversizedUploadOnTheCSRPageAnswers413WithTheLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	po := b.user("po@example.com", accounts.RolePO)
	csrID, _, _ := b.signedFor(b.token(po), "ecdsa-p256", "www.example.com")
	br := b.browserAs("po@example.com")
	page := fmt.Sprintf("/csrs/%d", csrID)
	br.mustOpen(page, "the CSR page")
	form := func() ([]byte, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("csrf_token", br.csrf)
		fw, _ := mw.CreateFormFile("certificate", "huge.pem")
		_, _ = fw.Write(bytes.Repeat([]byte("A"), 3<<20))
		mw.Close()
		return buf.Bytes(), mw.FormDataContentType()
	}
	for _, streamed := range []bool{false, true} {
		body, ct := form()
		var rd io.Reader = bytes.NewReader(body)
		if streamed {
			rd = io.MultiReader(rd) // hides the length: sent chunked
		}
		req, _ := http.NewRequest("POST", b.ts.URL+page+"/certificate", rd)
		req.Header.Set("Content-Type", ct)
		resp, text := br.do(req)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(text, "larger than 2048 KiB") {
			t.Errorf("streamed %v: %d, want 413 saying the 2048 KiB limit\n%s", streamed, resp.StatusCode, text)
		}
	}
	// An oversized ordinary form (1 MiB limit) says its own limit.
	for _, streamed := range []bool{false, true} {
		var rd io.Reader = strings.NewReader("csrf_token=" + br.csrf + "&name=" + strings.Repeat("x", 2<<20))
		if streamed {
			rd = io.MultiReader(rd)
		}
		req, _ := http.NewRequest("POST", b.ts.URL+"/logout", rd)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, text := br.do(req)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(text, "larger than 1024 KiB") {
			t.Errorf("a 2 MiB form, streamed %v: %d, want 413 saying the 1024 KiB limit\n%s", streamed, resp.StatusCode, text)
		}
	}
	b.wantRows("certificates", 0, "certificates stored")
}
