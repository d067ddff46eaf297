package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/csrgen"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

func (s *Server) csrViewModel(r *http.Request, id int64, upload *pages.UploadForm) (pages.CSRView, error) {
	c, err := s.certs.CSR(r.Context(), id)
	if err != nil {
		return pages.CSRView{}, err
	}
	v := pages.CSRView{
		ID: c.ID, RequirementID: c.RequirementID, PEM: c.PEM, KeyHeldOutside: c.KeyHeldOutside,
		CreatedBy: c.CreatedBy, Created: fmtTime(c.CreatedAt), Subject: c.Subject, SANs: c.SANs, Key: c.KeyType,
		PublicKeySHA256: c.PublicKeySHA256,
		CanUpload:       currentUser(r).Has(accounts.RolePO, accounts.RoleEngineer),
		Upload:          pages.UploadForm{Errors: view.FieldErrors{}},
	}
	if upload != nil {
		v.Upload = *upload
	}
	in, perr := c.Inspect()
	if in != nil {
		v.Subject, v.SANs, v.Key, v.SignatureAlgorithm = in.SubjectLine, append(in.SANs, in.OtherSANs...), in.Key, in.SignatureAlgorithm
		v.VerifyOK = perr == nil && in.SignatureOK
		v.Warnings = in.Warnings
		v.OpenSSLText = opensslReqText(in, v.VerifyOK)
	}
	if perr != nil {
		v.VerifyError = strings.TrimPrefix(perr.Error(), "csrgen: parse CSR: ")
	}
	list, err := s.certs.Certificates(r.Context(), certs.Filter{CSRID: id})
	if err != nil {
		return pages.CSRView{}, err
	}
	v.Certificates = s.certificateRows(list)
	return v, nil
}

// opensslReqText lays the decoded request out the way `openssl req -text -noout
// -verify` prints it, so it can be compared line by line with the runbook.
func opensslReqText(in *csrgen.Inspection, ok bool) string {
	var b strings.Builder
	if ok {
		b.WriteString("verify OK\n")
	} else {
		b.WriteString("verify failure\n")
	}
	b.WriteString("Certificate Request:\n    Data:\n        Version: 1 (0x0)\n")
	fmt.Fprintf(&b, "        Subject: %s\n", in.SubjectLine)
	b.WriteString("        Subject Public Key Info:\n")
	switch in.KeyAlgorithm {
	case "RSA":
		fmt.Fprintf(&b, "            Public Key Algorithm: rsaEncryption\n                Public-Key: (%d bit)\n", in.KeyBits)
	case "ECDSA":
		fmt.Fprintf(&b, "            Public Key Algorithm: id-ecPublicKey\n                Public-Key: (%d bit)\n                NIST CURVE: %s\n",
			in.KeyBits, strings.TrimPrefix(in.Key, "ECDSA "))
	default:
		fmt.Fprintf(&b, "            Public Key Algorithm: %s\n", in.Key)
	}
	b.WriteString("        Attributes:\n")
	if names := append(prefixed("DNS:", in.SANs), in.OtherSANs...); len(names) > 0 {
		b.WriteString("            Requested Extensions:\n                X509v3 Subject Alternative Name: \n")
		fmt.Fprintf(&b, "                    %s\n", strings.Join(names, ", "))
	} else {
		b.WriteString("            (none)\n")
	}
	fmt.Fprintf(&b, "    Signature Algorithm: %s\n", in.SignatureAlgorithm)
	return b.String()
}

func prefixed(p string, items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = p + s
	}
	return out
}

func (s *Server) csrView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var upload *pages.UploadForm
	status := http.StatusOK
	if vals, fieldErrs, _, ok := s.takeForm(r, uploadFormKey(id)); ok {
		status = http.StatusUnprocessableEntity
		upload = &pages.UploadForm{Text: vals.Get("certificate_text"), Errors: fieldErrs}
		if n, err := strconv.ParseInt(vals.Get("already_stored"), 10, 64); err == nil {
			upload.AlreadyStored, status = n, http.StatusConflict
		}
	}
	v, err := s.csrViewModel(r, id, upload)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderStatus(w, r, status, pages.CSRPage(s.pageData(r, "CSR #"+view.Itoa(id)), v))
}

// csrDownload sends the request as a .csr file named after its common name.
func (s *Server) csrDownload(w http.ResponseWriter, r *http.Request) {
	withRecord(s, w, r, s.certs.CSR, func(id int64, c *certs.CSR) {
		name := bundle.SafeName(c.CommonName)
		if name == "" {
			name = "csr-" + view.Itoa(c.ID)
		}
		sendFile(w, &certs.File{Name: name + ".csr", ContentType: "application/pkcs10", Data: []byte(c.PEM)})
	})
}

// sendFile answers a download.
func sendFile(w http.ResponseWriter, f *certs.File) {
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+f.Name+`"`)
	w.Header().Set("Content-Length", fmt.Sprint(len(f.Data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(f.Data)
}
