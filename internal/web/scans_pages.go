package web

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/tlscheck"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

// Who may share a report with the client: the AM above all (DESIGN.md),
// and the engineers and POs who ran the scan.
func canShareReports(r *http.Request) bool {
	return currentUser(r).Has(accounts.RoleAM, accounts.RoleEngineer, accounts.RolePO)
}

func scanTone(status string) string {
	switch status {
	case installs.ScanDone:
		return "green"
	case installs.ScanFailed:
		return "red"
	case installs.ScanCancelled:
		return "grey"
	}
	return "amber"
}

// reportView shapes a report for the page; it carries only what the client
// may see.
func reportView(rep *installs.Report) *pages.ReportView {
	v := &pages.ReportView{Hostname: rep.Hostname, Environment: rep.Environment, Scanner: scannerName(rep.Scanner),
		Date: fmtTime(rep.Date), Grade: rep.Grade, PreviousGrade: rep.PreviousGrade, PreviousDate: fmtTimePtr(rep.PreviousDate, ""),
		ChecksAt: fmtTimePtr(rep.ChecksAt, ""), Fixed: rep.Fixed, New: rep.New}
	for _, e := range rep.Endpoints {
		v.Endpoints = append(v.Endpoints, pages.EndpointView{Address: e.Address, Grade: e.Grade, GradeIgnoringTrust: e.GradeIgnoringTrust,
			Findings: e.Findings, Error: e.Error})
	}
	for _, a := range rep.Checks {
		av := pages.AddressView{Address: a.Address, Passed: a.Passed}
		for _, c := range a.Checks {
			av.Checks = append(av.Checks, pages.CheckView{Key: c.Key, OK: c.OK, Warning: c.Severity == tlscheck.SeverityWarning, Message: c.Message})
		}
		v.Checks = append(v.Checks, av)
	}
	return v
}

func scannerName(s string) string {
	if s == installs.ScannerSSLLabs {
		return "Qualys SSL Labs"
	}
	return "testssl.sh, graded with the SSL Labs rating guide"
}

// installScanPost queues a scan from the install page.
func (s *Server) installScanPost(w http.ResponseWriter, r *http.Request) {
	s.postAction(w, r, func(id int64) (formDone, error) {
		if err := r.ParseForm(); err != nil {
			return formDone{}, errs.New(errs.BadRequest, "The form could not be read.")
		}
		sc, err := s.installs.StartScan(r.Context(), actor(r), id, r.PostFormValue("scanner"))
		if err != nil {
			return formDone{}, err
		}
		return flashTo("Scan queued.", "/scans/"+view.Itoa(sc.ID)), nil
	})
}

func (s *Server) scanViewModel(r *http.Request, id int64) (pages.ScanView, error) {
	sc, err := s.installs.GetScan(r.Context(), id)
	if err != nil {
		return pages.ScanView{}, err
	}
	in, err := s.installs.Get(r.Context(), sc.InstallID)
	if err != nil {
		return pages.ScanView{}, err
	}
	v := pages.ScanView{ID: sc.ID, InstallID: sc.InstallID, Hostname: in.Hostname, Scanner: scannerName(sc.Scanner), Status: sc.Status,
		StatusTone: scanTone(sc.Status), Live: sc.Live(), Progress: sc.Progress, Error: sc.Error,
		CanCancel: canWriteInstalls(r), CanShare: canShareReports(r)}
	if sc.Status != installs.ScanDone {
		return v, nil
	}
	rep, err := s.installs.ScanReport(r.Context(), id)
	if err != nil {
		return v, err
	}
	v.Report = reportView(rep)
	shares, err := s.installs.Shares(r.Context(), id)
	if err != nil {
		return v, err
	}
	now := s.cfg.Now()
	for _, sh := range shares {
		row := pages.ShareRow{ID: sh.ID, CreatedBy: sh.CreatedBy, CreatedAt: fmtTime(sh.CreatedAt), ExpiresAt: fmtTime(sh.ExpiresAt), Active: sh.Active(now)}
		switch {
		case sh.RevokedAt != nil:
			row.State = "revoked " + fmtTime(*sh.RevokedAt)
		case !row.Active:
			row.State = "expired"
		default:
			row.State = "active"
		}
		v.Shares = append(v.Shares, row)
	}
	return v, nil
}

// scanPage is the scan's page; newShareURL is a link just made, shown once.
func (s *Server) scanPage(r *http.Request, id int64, newShareURL string) (templ.Component, error) {
	v, err := s.scanViewModel(r, id)
	if err != nil {
		return nil, err
	}
	v.NewShareURL = newShareURL
	return pages.ScanPage(s.pageData(r, "Scan #"+view.Itoa(id)), v), nil
}

func (s *Server) scanView(w http.ResponseWriter, r *http.Request) {
	s.showByID(w, r, func(id int64) (templ.Component, error) { return s.scanPage(r, id, "") })
}

func (s *Server) scanCancelPost(w http.ResponseWriter, r *http.Request) {
	s.postAction(w, r, func(id int64) (formDone, error) {
		_, err := s.installs.CancelScan(r.Context(), actor(r), id)
		return flashTo("Cancel requested: the scan stops within a few seconds.", "/scans/"+view.Itoa(id)), err
	})
}

// shareURL is the link a share token opens, absolute when the request says
// where the portal is.
func shareURL(r *http.Request, token string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/reports/" + token
}

// scanSharePost creates a link and shows it once, on the page itself (not
// in a flash or a redirect, which would store or log it).
func (s *Server) scanSharePost(w http.ResponseWriter, r *http.Request) {
	s.showByID(w, r, func(id int64) (templ.Component, error) {
		sh, err := s.installs.ShareReport(r.Context(), actor(r), id)
		if err != nil {
			return nil, err
		}
		page, err := s.scanPage(r, id, shareURL(r, sh.Token))
		if err == nil {
			w.Header().Set("Cache-Control", "no-store")
		}
		return page, err
	})
}

func (s *Server) shareRevokePost(w http.ResponseWriter, r *http.Request) {
	s.postAction(w, r, func(id int64) (formDone, error) {
		sh, err := s.installs.RevokeShare(r.Context(), actor(r), id)
		if err != nil {
			return formDone{}, err
		}
		return flashTo("Link revoked: it no longer opens the report.", "/scans/"+view.Itoa(sh.ScanID)), nil
	})
}

// sharedReport is the page a shared link opens, without sign-in.
func (s *Server) sharedReport(w http.ResponseWriter, r *http.Request) {
	rep, err := s.installs.SharedReport(r.Context(), chi.URLParam(r, "token"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.render(w, r, pages.SharedReportPage(*reportView(rep)))
}
