package web

import (
	"cmp"
	"context"
	"net/http"
	"strings"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/fields"
	"github.com/certportal/certportal/internal/installs"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/internal/tlscheck"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

func canWriteInstalls(r *http.Request) bool {
	return currentUser(r).Has(accounts.RoleEngineer, accounts.RolePO)
}

// installStatus is an install's last check as a status and words.
func installStatus(in *installs.Install) (status, label, checkedAt string) {
	switch {
	case in.LastCheck == nil:
		return "amber", "Not checked yet", ""
	case in.LastCheck.Passed:
		return "green", "Passed", fmtTime(in.LastCheck.CheckedAt)
	default:
		return "red", "Failed", fmtTime(in.LastCheck.CheckedAt)
	}
}

func addressesText(in *installs.Install) string {
	if len(in.Addresses) == 0 {
		return "resolved from the hostname"
	}
	return strings.Join(in.Addresses, ", ")
}

// installRows are installs as list rows, each with its latest grade.
func (s *Server) installRows(r *http.Request, list []installs.Install) ([]pages.InstallRow, error) {
	ids := make([]int64, len(list))
	for i, in := range list {
		ids[i] = in.ID
	}
	grades, err := s.installs.LatestGrades(r.Context(), ids...)
	if err != nil {
		return nil, err
	}
	rows := make([]pages.InstallRow, 0, len(list))
	for i := range list {
		in := &list[i]
		status, label, at := installStatus(in)
		rows = append(rows, pages.InstallRow{ID: in.ID, Environment: in.Environment, Hostname: in.Hostname,
			Addresses: addressesText(in), Status: status, StatusLabel: label, LastChecked: at, Retired: !in.Active(), Grade: grades[in.ID]})
	}
	return rows, nil
}

// installList is one page of the {id}'s installs, fetched with get, as the
// rows of an embedded list.
func (s *Server) installList(lr *http.Request, l embeddedList, id int64,
	get func(ctx context.Context, id int64, req page.Request) (page.Result[installs.Install], error)) (pages.InstallList, error) {
	p, err := fetchEmbedded(lr, l, id, get)
	if err != nil {
		return pages.InstallList{}, err
	}
	rows, err := s.installRows(lr, p.Items)
	return pages.InstallList{Rows: rows, Prev: p.PrevHref, Next: p.NextHref}, err
}

// installsOnPage is the install list of a page that embeds no other paged list.
var installsOnPage = embeddedList{anchor: "installs", sorts: installs.InstallSorts}

// installsCard is the installs section of the certificate page: one page of
// them, and whether any of them (on any page) puts the certificate in production.
func (s *Server) installsCard(r *http.Request, certificateID int64, sans []string, form *pages.InstallForm) (pages.InstallsCard, error) {
	list, err := s.installList(listRequest(r, "/certificates/"+view.Itoa(certificateID)), installsOnPage, certificateID, s.installs.Page)
	if err != nil {
		return pages.InstallsCard{}, err
	}
	inProduction, err := s.installs.CertificateInProduction(r.Context(), certificateID)
	if err != nil {
		return pages.InstallsCard{}, err
	}
	v := pages.InstallsCard{CertificateID: certificateID, List: list, InProduction: inProduction,
		CanWrite: canWriteInstalls(r), Hostnames: sans, Form: pages.InstallForm{Environment: installs.Staging, Errors: view.FieldErrors{}}}
	if form != nil {
		v.Form = *form
	}
	return v, nil
}

func gateView(g installs.Gate) pages.GateView {
	return pages.GateView{Open: g.InstalledOnStaging, Reason: g.Reason, InProduction: g.InProduction}
}

// installCreatePost records an install from the certificate page.
func (s *Server) installCreatePost(w http.ResponseWriter, r *http.Request) {
	id, ok := s.postedID(w, r)
	if !ok {
		return
	}
	form := pages.InstallForm{Environment: r.PostFormValue("environment"), Hostname: r.PostFormValue("hostname"),
		Addresses: r.PostFormValue("addresses"), TrustRootsPEM: r.PostFormValue("trust_roots_pem"), Errors: view.FieldErrors{}}
	in, err := s.installs.Record(r.Context(), actor(r), id, installs.NewInstall{
		Environment: form.Environment, Hostname: form.Hostname, TrustRootsPEM: form.TrustRootsPEM,
		Addresses: strings.FieldsFunc(form.Addresses, func(c rune) bool { return c == '\n' || c == '\r' || c == ',' }),
	})
	if err != nil {
		if form.Errors, ok = fieldsOf(err); !ok {
			s.fail(w, r, err)
			return
		}
		v, verr := s.certificateViewModel(r, id, nil)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		if v.Installs, verr = s.installsCard(r, id, v.SANs, &form); verr != nil {
			s.fail(w, r, verr)
			return
		}
		s.renderStatus(w, r, http.StatusUnprocessableEntity, pages.CertificatePage(s.pageData(r, "Certificate #"+view.Itoa(id)), v))
		return
	}
	s.finish(w, r, flashTo("Install recorded. Check it to see what the server sends.", "/installs/"+view.Itoa(in.ID)))
}

func (s *Server) installView(w http.ResponseWriter, r *http.Request) {
	withRecord(s, w, r, s.installs.Get, func(id int64, in *installs.Install) {
		status, label, at := installStatus(in)
		v := pages.InstallView{ID: in.ID, CertificateID: in.CertificateID, RequirementID: in.RequirementID, Environment: in.Environment,
			Hostname: in.Hostname, Addresses: addressesText(in), CreatedBy: in.CreatedBy, CreatedAt: fmtTime(in.CreatedAt),
			Retired: fmtTimePtr(in.RetiredAt, ""), Status: status, StatusLabel: label, CheckedAt: at, CanWrite: canWriteInstalls(r)}
		if in.LastCheck != nil {
			v.Trigger = "(" + in.LastCheck.Trigger + ")"
			for _, a := range in.LastCheck.Addresses {
				av := pages.AddressView{Address: a.Address, Passed: a.Passed}
				for _, c := range a.Checks {
					av.Checks = append(av.Checks, pages.CheckView{Key: c.Key, OK: c.OK, Warning: c.Severity == tlscheck.SeverityWarning, Message: c.Message})
				}
				v.Results = append(v.Results, av)
			}
		}
		scans, _, err := fetchNewestFirst(r, installs.ScanSorts, id, s.installs.ScanPage)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.ScansPrev, v.ScansNext = pageLinks(r, scans.Next, scans.Prev)
		v.ScanChoices = pages.ScanChoices{CanScan: v.CanWrite && in.Active(), TestsslAvailable: s.installs.TestsslAvailable(),
			SSLLabsOffered: in.PublicFacing, SSLLabsConfigured: s.installs.SSLLabsConfigured()}
		for _, sc := range scans.Items {
			if sc.Live() && v.ScanChoices.LiveScanID == 0 {
				v.ScanChoices.LiveScanID = sc.ID
			}
			v.Scans = append(v.Scans, pages.ScanRow{ID: sc.ID, Scanner: sc.Scanner, Status: sc.Status, StatusTone: scanTone(sc.Status),
				Grade: sc.Grade, When: fmtTime(sc.CreatedAt), RequestedBy: sc.RequestedBy})
		}
		s.render(w, r, pages.InstallPage(s.pageData(r, "Install #"+view.Itoa(id)), v))
	})
}

func (s *Server) installCheckPost(w http.ResponseWriter, r *http.Request) {
	s.postAction(w, r, func(id int64) (formDone, error) {
		rec, err := s.installs.Check(r.Context(), actor(r), id, "")
		switch {
		case err != nil:
			return formDone{}, err
		case rec.Passed:
			return flashTo("The install passed every check.", "/installs/"+view.Itoa(id)), nil
		}
		return formDone{"The install failed its check: see the findings below.", "/installs/" + view.Itoa(id), "error"}, nil
	})
}

func (s *Server) installRetirePost(w http.ResponseWriter, r *http.Request) {
	s.postAction(w, r, func(id int64) (formDone, error) {
		in, err := s.installs.Retire(r.Context(), actor(r), id)
		if err != nil {
			return formDone{}, err
		}
		return flashTo("Install retired: it is no longer checked and no longer counts for the staging gate.",
			"/certificates/"+view.Itoa(in.CertificateID)), nil
	})
}

// dashboardFailedInstalls is the dashboard's list of installs failing their
// last check, most recent failure first (or by client).
func dashboardFailedInstalls(r *http.Request, items []dashboard.FailedInstall) ([]view.Column, []pages.DashboardItemRow) {
	sort, rows := dashboardList(r, items, "fi_checked", "fi_client", map[string]func(a, b dashboard.FailedInstall) int{
		"fi_checked": func(a, b dashboard.FailedInstall) int {
			return cmp.Or(b.CheckedAt.Compare(a.CheckedAt), cmp.Compare(a.InstallID, b.InstallID))
		},
	}, func(in dashboard.FailedInstall) pages.DashboardItemRow {
		label := "Failed"
		if in.Scheduled {
			label = "Failed (daily check)"
		}
		return pages.DashboardItemRow{Href: "/installs/" + view.Itoa(in.InstallID), Ref: in.Hostname,
			What: in.Environment, Status: "red", StatusLabel: label, Number: fmtTime(in.CheckedAt), Detail: in.Problem}
	})
	return columns(r, sort, [][2]string{{"", "Hostname"}, {"fi_client", "Client · project"}, {"", "Environment"},
		{"", "Status"}, {"fi_checked", "Failing since"}, {"", "First problem"}}, "fi_checked"), rows
}

// dashboardLowGrades is the dashboard's list of installs graded below A.
func dashboardLowGrades(r *http.Request, items []dashboard.LowGrade) ([]view.Column, []pages.DashboardItemRow) {
	sort, rows := dashboardList(r, items, "lg_grade", "lg_client", map[string]func(a, b dashboard.LowGrade) int{
		"lg_grade": func(a, b dashboard.LowGrade) int {
			return cmp.Or(strings.Compare(b.Grade, a.Grade), cmp.Compare(a.InstallID, b.InstallID))
		},
	}, func(g dashboard.LowGrade) pages.DashboardItemRow {
		return pages.DashboardItemRow{Href: "/scans/" + view.Itoa(g.ScanID), Ref: g.Hostname, What: g.Environment,
			Status: "amber", StatusLabel: "Grade " + g.Grade, Number: g.Grade,
			Detail: "Scanned " + fmtTime(g.ScannedAt) + ": see the report for what lowers the grade."}
	})
	return columns(r, sort, [][2]string{{"", "Hostname"}, {"lg_client", "Client · project"}, {"", "Environment"},
		{"", "Status"}, {"lg_grade", "Grade"}, {"", "What to do"}}, "lg_grade"), rows
}

// firstProblem is the message of the first failed check of a result.
func firstProblem(rec *installs.CheckRecord) string {
	for _, a := range rec.Addresses {
		for _, c := range a.Checks {
			if !c.OK && c.Severity == tlscheck.SeverityError {
				return c.Message
			}
		}
	}
	return ""
}

// stagingBoard is installs.StagingBoard computed once per data version and
// minute: it reads only tables that bump the dashboard's data version.
func (s *Server) stagingBoard(ctx context.Context, clientID int64) ([]installs.GateRow, error) {
	v, err := s.dashboard.Memo(ctx, "staging-board:"+view.Itoa(clientID), func(ctx context.Context) (any, error) {
		return s.installs.StagingBoard(ctx, clientID)
	})
	if err != nil {
		return nil, err
	}
	return v.([]installs.GateRow), nil
}

// stagingBoardRows is the dashboard's staging gate table.
func (s *Server) stagingBoardRows(r *http.Request, clientID int64) ([]pages.DashboardItemRow, error) {
	board, err := s.stagingBoard(r.Context(), clientID)
	if err != nil {
		return nil, err
	}
	rows := make([]pages.DashboardItemRow, 0, len(board))
	for _, g := range board {
		row := pages.DashboardItemRow{Href: "/requirements/" + view.Itoa(g.RequirementID), Ref: "#" + view.Itoa(g.RequirementID),
			Client: g.ClientName, Project: g.ProjectName, What: strings.Join(g.Hostnames, ", "),
			Status: "red", StatusLabel: "Not installed", Number: fields.FormatDate(g.StagingOn), Detail: g.Reason}
		if g.InstalledOnStaging {
			row.Status, row.StatusLabel = "green", "Installed"
		}
		rows = append(rows, row)
	}
	return rows, nil
}
