package web

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

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
	if resp, _ := br.get(page); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", page, resp.StatusCode)
	}
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
	if n := b.count("certificates"); n != 0 {
		t.Errorf("%d certificates stored", n)
	}
}
