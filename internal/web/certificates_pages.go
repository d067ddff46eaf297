package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

func (s *Server) certificateViewModel(r *http.Request, id int64, form *pages.UploadForm) (pages.CertificateView, error) {
	c, err := s.certs.Certificate(r.Context(), id)
	if err != nil {
		return pages.CertificateView{}, err
	}
	now := time.Now()
	status, label := certificateStatus(c, now)
	u := currentUser(r)
	source := "uploaded by " + c.CreatedBy
	if c.Source == certs.SourceProvider {
		source = "from the provider"
	}
	if c.SourceDetail != "" {
		source += " (" + c.SourceDetail + ")"
	}
	v := pages.CertificateView{
		ID: c.ID, CSRID: c.CSRID, CommonName: headingName(c), Subject: c.Subject, Issuer: c.Issuer, Serial: c.Serial, SANs: c.SANs,
		NotBefore: fmtTime(c.NotBefore), NotAfter: fmtTime(c.NotAfter), DaysLeft: c.DaysLeft(now), Status: status, StatusLabel: label,
		FingerprintSHA256: c.FingerprintSHA256, KeyType: c.KeyType, Source: source + ", " + fmtTime(c.CreatedAt),
		ClientName: c.ClientName, ProjectName: c.ProjectName, Warnings: c.Warnings,
		MissingIssuer: c.MissingIssuer != "", KeyHeldOutside: c.KeyHeldOutside, HasRoot: c.RootPEM != "",
		CanReadKey:         u.Has(accounts.RoleEngineer),
		CanAddIntermediate: u.Has(accounts.RolePO, accounts.RoleEngineer),
		Intermediate:       pages.UploadForm{Errors: view.FieldErrors{}},
	}
	if form != nil {
		v.Intermediate = *form
	}
	ch, err := c.Chain()
	if err != nil {
		return v, err
	}
	link := func(role string, d bundle.Details) pages.ChainLink {
		return pages.ChainLink{Role: role, Subject: d.Subject, Issuer: d.Issuer, NotAfter: d.NotAfter.Format(dateLayout)}
	}
	v.Chain = append(v.Chain, link("Server certificate", bundle.Inspect(ch.Leaf)))
	for _, in := range ch.Intermediates {
		v.Chain = append(v.Chain, link("Intermediate", bundle.Inspect(in)))
	}
	if ch.MissingIssuer != nil {
		v.Chain = append(v.Chain, pages.ChainLink{Role: "Missing intermediate", Subject: ch.MissingIssuer.Name, Missing: true, URLs: ch.MissingIssuer.URLs})
	}
	if ch.Root != nil {
		v.Chain = append(v.Chain, link("Root (kept for reference; never served)", bundle.Inspect(ch.Root)))
	}
	plan, err := s.lifecycle.Plan(r.Context(), c.ID)
	v.Renewal = s.renewalView(r, plan, err)
	v.ACME = s.acmeCertificateCard(r, c)
	acmeRenewal(v.Renewal, v.ACME)
	if v.Installs, err = s.installsCard(r, c.ID, c.SANs, nil); err != nil {
		return v, err
	}
	return v, nil
}

// certificatePage is the certificate's page; upload is a refused upload of
// intermediates to show again (or nil).
func (s *Server) certificatePage(r *http.Request, id int64, upload *pages.UploadForm) (templ.Component, error) {
	v, err := s.certificateViewModel(r, id, upload)
	if err != nil {
		return nil, err
	}
	return pages.CertificatePage(s.pageData(r, "Certificate #"+view.Itoa(id)), v), nil
}

func (s *Server) certificateView(w http.ResponseWriter, r *http.Request) {
	s.showByID(w, r, func(id int64) (templ.Component, error) { return s.certificatePage(r, id, nil) })
}

// readUploadForm takes the certificate from a form's file (preferred) or text
// box; it returns the bytes, a name for the record and the text to re-show.
func readUploadForm(r *http.Request) (data []byte, name, text string, err error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(maxUploadBytes); err != nil {
			return nil, "", "", uploadReadError(err)
		}
	} else if err := r.ParseForm(); err != nil {
		return nil, "", "", uploadReadError(err)
	}
	text = r.PostFormValue("certificate_text")
	if file, header, ferr := r.FormFile("certificate_file"); ferr == nil {
		defer file.Close()
		b, err := io.ReadAll(io.LimitReader(file, maxUploadBytes+1))
		if err != nil {
			return nil, "", text, uploadReadError(err)
		}
		if len(b) > 0 {
			if len(b) > maxUploadBytes {
				return nil, "", text, errs.New(errs.TooLarge, "The file is larger than %d KiB.", maxUploadBytes>>10)
			}
			return b, header.Filename, text, nil
		}
	}
	return []byte(text), "pasted", text, nil
}

func uploadReadError(err error) error {
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		return errs.New(errs.TooLarge, "The upload is larger than %d KiB.", maxBytes.Limit>>10)
	}
	return errs.New(errs.BadRequest, "The upload could not be read.")
}

// formUpload is a certificate a form uploaded: its bytes, a name for the
// record and the text to show again.
type formUpload struct {
	data       []byte
	name, text string
}

// postUpload reads the {id} and the certificate the form uploads, for handle;
// either unreadable is the error page.
func (s *Server) postUpload(w http.ResponseWriter, r *http.Request, handle func(id int64, up formUpload)) {
	answerID(s, w, r, func(int64) (formUpload, error) {
		data, name, text, err := readUploadForm(r)
		return formUpload{data, name, text}, err
	}, handle)
}

// certificateCreatePost takes an issued certificate on the CSR page.
func (s *Server) certificateCreatePost(w http.ResponseWriter, r *http.Request) {
	s.postUpload(w, r, func(id int64, up formUpload) {
		c, err := s.certs.Intake(r.Context(), actor(r), id, up.data, up.name)
		if err != nil {
			// Refused: back to the CSR page (post/redirect/get) with the text and
			// the message, so Back never asks to send the form again.
			var dup *certs.AlreadyStoredError
			e, ok := errs.As(err)
			switch {
			case errors.As(err, &dup):
				s.keepForm(r, uploadFormKey(id), url.Values{"certificate_text": {keptText(up.text)}, "already_stored": {strconv.FormatInt(dup.ID, 10)}},
					map[string]string{"certificate": e.Message}, "")
			case ok && len(e.Fields) > 0:
				s.keepForm(r, uploadFormKey(id), url.Values{"certificate_text": {keptText(up.text)}}, e.Fields, "")
			default:
				s.fail(w, r, err)
				return
			}
			http.Redirect(w, r, "/csrs/"+view.Itoa(id), http.StatusSeeOther)
			return
		}
		done := flashTo("Stored the certificate for "+c.CommonName+".", "/certificates/"+view.Itoa(c.ID))
		if len(c.Warnings) > 0 {
			done.flash, done.kind = done.flash+" Check its warnings.", "warn"
		}
		s.finish(w, r, done)
	})
}

func (s *Server) intermediatesPost(w http.ResponseWriter, r *http.Request) {
	s.postUpload(w, r, func(id int64, up formUpload) {
		c, err := s.certs.AddIntermediates(r.Context(), actor(r), id, up.data)
		if err != nil {
			fields, ok := fieldsOf(err)
			if !ok {
				s.fail(w, r, err)
				return
			}
			page, err := s.certificatePage(r, id, &pages.UploadForm{Text: up.text, Errors: fields})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			s.renderStatus(w, r, http.StatusUnprocessableEntity, page)
			return
		}
		done := flashTo("The chain is complete.", "/certificates/"+view.Itoa(c.ID))
		if c.MissingIssuer != "" {
			done.flash, done.kind = "Added; the chain still lacks "+c.MissingIssuer+".", "warn"
		}
		s.finish(w, r, done)
	})
}

func uploadFormKey(csrID int64) string { return "certificate-upload:" + strconv.FormatInt(csrID, 10) }

// keptText is pasted text worth keeping across a redirect: a bundle is a few
// KiB; anything far larger is not carried in the session.
func keptText(text string) string {
	if len(text) > 64<<10 {
		return ""
	}
	return text
}

// certificateBundle downloads public material (page and API share it).
func (s *Server) certificateBundle(w http.ResponseWriter, r *http.Request) {
	s.serveFile(w, r, func(id int64) (*certs.File, error) {
		return s.certs.Bundle(r.Context(), id, r.URL.Query().Get("format"))
	})
}

func keyFormatOptions() []pages.Option {
	return []pages.Option{
		{Value: "pem", Label: "privkey.pem (PKCS#8 PEM)"},
		{Value: "zip", Label: "zip: fullchain, cert, chain, privkey and nginx/Node/CloudFront snippets"},
		{Value: "p12", Label: ".p12 (PKCS#12, AES-256; OpenSSL 1.1.1+, Java 12+, Windows Server 2019+)"},
		{Value: "p12-legacy", Label: ".p12 legacy (3DES/SHA-1, for old Windows and Java importers)"},
	}
}

// keyDownload asks for the reason (and, through /reauth, the password when the
// user has not typed it in the last 10 minutes).
func (s *Server) keyDownload(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if s.reauthFirst(w, r, r.URL.RequestURI()) {
		return
	}
	c, err := s.certs.Certificate(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if c.KeyHeldOutside {
		s.fail(w, r, errs.Conflictf("The private key of this certificate is held outside the portal."))
		return
	}
	s.renderKeyDownload(w, r, http.StatusOK, c, pages.KeyDownloadForm{Format: "pem", Errors: view.FieldErrors{}})
}

// renderKeyDownload shows the key download form of certificate c.
func (s *Server) renderKeyDownload(w http.ResponseWriter, r *http.Request, status int, c *certs.Certificate, form pages.KeyDownloadForm) {
	s.renderStatus(w, r, status, pages.KeyDownloadPage(s.pageData(r, "Download the private key"), pages.KeyDownload{
		CertificateID: c.ID, CommonName: c.CommonName, Formats: keyFormatOptions(), Form: form,
	}))
}

// reauthFirst sends a user who has not typed the password in the last 10
// minutes to /reauth, to come back to next; it reports whether it did.
func (s *Server) reauthFirst(w http.ResponseWriter, r *http.Request, next string) bool {
	if s.recentlyAuthenticated(r) {
		return false
	}
	http.Redirect(w, r, "/reauth?next="+url.QueryEscape(next), http.StatusSeeOther)
	return true
}

func (s *Server) keyDownloadPost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if s.reauthFirst(w, r, "/certificates/"+view.Itoa(id)+"/key") || !parseForm(w, r, s) {
		return
	}
	form := pages.KeyDownloadForm{Format: r.PostForm.Get("format"), Reason: r.PostForm.Get("reason"), Errors: view.FieldErrors{}}
	var f *certs.File
	switch form.Format {
	case "pem", "":
		f, err = s.certs.PrivateKey(r.Context(), actor(r), id, form.Reason)
	case "zip":
		f, err = s.certs.Export(r.Context(), actor(r), id, certs.ExportRequest{Format: certs.ExportZip, Reason: form.Reason})
	case "p12", "p12-legacy":
		f, err = s.certs.Export(r.Context(), actor(r), id, certs.ExportRequest{
			Format: certs.ExportP12, Passphrase: r.PostForm.Get("passphrase"), Legacy: form.Format == "p12-legacy", Reason: form.Reason,
		})
	default:
		err = errs.Field("format", "Choose what to download.")
	}
	if err != nil {
		var ok bool
		if form.Errors, ok = fieldsOf(err); !ok {
			s.fail(w, r, err)
			return
		}
		c, err := s.certs.Certificate(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderKeyDownload(w, r, http.StatusUnprocessableEntity, c, form)
		return
	}
	sendFile(w, f)
}
