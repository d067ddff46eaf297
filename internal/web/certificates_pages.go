package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

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
		ID: c.ID, CSRID: c.CSRID, CommonName: c.CommonName, Subject: c.Subject, Issuer: c.Issuer, Serial: c.Serial, SANs: c.SANs,
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
	if v.Installs, err = s.installsCard(r, c.ID, c.SANs, nil); err != nil {
		return v, err
	}
	return v, nil
}

func (s *Server) certificateView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.certificateViewModel(r, id, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, pages.CertificatePage(s.pageData(r, "Certificate #"+view.Itoa(id)), v))
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

// certificateCreatePost takes an issued certificate on the CSR page.
func (s *Server) certificateCreatePost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, name, text, err := readUploadForm(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.certs.Intake(r.Context(), actor(r), id, data, name)
	if err != nil {
		// Refused: back to the CSR page (post/redirect/get) with the text and
		// the message, so Back never asks to send the form again.
		var dup *certs.AlreadyStoredError
		e, ok := errs.As(err)
		switch {
		case errors.As(err, &dup):
			s.keepForm(r, uploadFormKey(id), url.Values{"certificate_text": {keptText(text)}, "already_stored": {strconv.FormatInt(dup.ID, 10)}},
				map[string]string{"certificate": e.Message}, "")
		case ok && len(e.Fields) > 0:
			s.keepForm(r, uploadFormKey(id), url.Values{"certificate_text": {keptText(text)}}, e.Fields, "")
		default:
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, "/csrs/"+view.Itoa(id), http.StatusSeeOther)
		return
	}
	msg := "Stored the certificate for " + c.CommonName + "."
	kind := "ok"
	if len(c.Warnings) > 0 {
		msg += " Check its warnings."
		kind = "warn"
	}
	s.flash(r, kind, msg)
	http.Redirect(w, r, "/certificates/"+view.Itoa(c.ID), http.StatusSeeOther)
}

func (s *Server) intermediatesPost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, _, text, err := readUploadForm(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.certs.AddIntermediates(r.Context(), actor(r), id, data)
	if err != nil {
		e, ok := errs.As(err)
		if !ok || len(e.Fields) == 0 {
			s.fail(w, r, err)
			return
		}
		form := pages.UploadForm{Text: text, Errors: e.Fields}
		v, verr := s.certificateViewModel(r, id, &form)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		s.renderStatus(w, r, http.StatusUnprocessableEntity, pages.CertificatePage(s.pageData(r, "Certificate #"+view.Itoa(id)), v))
		return
	}
	if c.MissingIssuer != "" {
		s.flash(r, "warn", "Added; the chain still lacks "+c.MissingIssuer+".")
	} else {
		s.flash(r, "ok", "The chain is complete.")
	}
	http.Redirect(w, r, "/certificates/"+view.Itoa(c.ID), http.StatusSeeOther)
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
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.certs.Bundle(r.Context(), id, r.URL.Query().Get("format"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendFile(w, f)
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
	if !s.recentlyAuthenticated(r) {
		http.Redirect(w, r, "/reauth?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
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
	s.render(w, r, pages.KeyDownloadPage(s.pageData(r, "Download the private key"), pages.KeyDownload{
		CertificateID: id, CommonName: c.CommonName, Formats: keyFormatOptions(),
		Form: pages.KeyDownloadForm{Format: "pem", Errors: view.FieldErrors{}},
	}))
}

func (s *Server) keyDownloadPost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.recentlyAuthenticated(r) {
		http.Redirect(w, r, "/reauth?next="+url.QueryEscape("/certificates/"+view.Itoa(id)+"/key"), http.StatusSeeOther)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.New(errs.BadRequest, "The form could not be read."))
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
		e, ok := errs.As(err)
		if !ok || len(e.Fields) == 0 {
			s.fail(w, r, err)
			return
		}
		c, cerr := s.certs.Certificate(r.Context(), id)
		if cerr != nil {
			s.fail(w, r, cerr)
			return
		}
		form.Errors = e.Fields
		s.renderStatus(w, r, http.StatusUnprocessableEntity, pages.KeyDownloadPage(s.pageData(r, "Download the private key"), pages.KeyDownload{
			CertificateID: id, CommonName: c.CommonName, Formats: keyFormatOptions(), Form: form,
		}))
		return
	}
	sendFile(w, f)
}
