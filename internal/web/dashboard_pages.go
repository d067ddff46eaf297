package web

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/web/templates/components"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

// summaryFilter reads ?client_id= (empty: every client).
func summaryFilter(r *http.Request) (dashboard.SummaryFilter, error) {
	var f dashboard.SummaryFilter
	if v := strings.TrimSpace(r.URL.Query().Get("client_id")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, errs.New(errs.BadRequest, "client_id must be a client's id, a positive whole number.")
		}
		f.ClientID = id
	}
	return f, nil
}

// summary answers the dashboard's service call for the request's filter.
func (s *Server) summary(r *http.Request) (*dashboard.Summary, error) {
	if s.orders == nil {
		return nil, errs.New(errs.Unavailable, "The dashboard is not available in this portal.")
	}
	f, err := summaryFilter(r)
	if err != nil {
		return nil, err
	}
	return s.dashboard.Summary(r.Context(), f)
}

// apiDashboard is GET /api/v1/dashboard: the same summary the page shows.
func (s *Server) apiDashboard(w http.ResponseWriter, r *http.Request) {
	sum, err := s.summary(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, sum)
}

// dashboard is GET /dashboard: per client and project, what is blocked, overdue
// and expiring, with the expiry chart.
func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) {
	sum, err := s.summary(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	clients, err := s.clients.ListClients(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := pages.Dashboard{ClientID: sum.ClientID, AsOf: fmtTime(sum.AsOf)}
	for _, c := range clients {
		d.Clients = append(d.Clients, pages.Option{Value: strconv.FormatInt(c.ID, 10), Label: c.DisplayName, Selected: c.ID == sum.ClientID})
	}
	d.Tiles = dashboardTiles(sum)
	d.ClientCols, d.ClientRows = dashboardClients(r, sum.Clients)
	d.BlockedCols, d.Blocked = dashboardBlocked(r, sum.BlockedRequirements)
	d.FlaggedCols, d.Flagged = dashboardFlagged(r, sum.FlaggedProjects)
	d.OrderCols, d.Orders = dashboardOrders(r, append(slices.Clone(sum.OverdueOrders), sum.StuckOrders...))
	d.CertCols, d.Certs = dashboardCerts(r, sum.ExpiringCertificates)
	for _, c := range sum.OrdersByState {
		d.OrdersByState = append(d.OrdersByState, pages.DashboardStateCount{State: string(c.State), Status: c.State.Tone(),
			StatusLabel: c.Label, Count: strconv.Itoa(c.Count), Href: "/orders?state=" + urlQueryEscape(string(c.State))})
	}
	d.ExpiryChart = expiryChart(sum.ExpiriesByMonth)
	if d.FailedInstalls, err = s.failedInstallRows(r, sum.ClientID); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Staging, err = s.stagingBoardRows(r, sum.ClientID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, pages.DashboardPage(s.pageData(r, "Dashboard"), d))
}

// expiryChart is the bar chart of certificate expiries per month.
func expiryChart(months []dashboard.MonthCount) components.BarChart {
	c := components.BarChart{ID: "expiry-chart", Title: "Certificate expiries per month", Category: "Month",
		Desc: "Bars show how many certificates expire in each of the next 12 months."}
	total := 0
	for _, m := range months {
		t, err := time.Parse("2006-01", m.Month)
		label, name := m.Month, m.Month
		if err == nil {
			label, name = t.Format("Jan"), t.Format("January 2006")
		}
		c.Bars = append(c.Bars, components.Bar{Label: label, Name: name, Value: m.Count})
		total += m.Count
	}
	c.Desc = fmt.Sprintf("%s %d in all.", c.Desc, total)
	return c
}

func dashboardTiles(sum *dashboard.Summary) []pages.DashboardTile {
	tile := func(label string, n int, anchor, bad, word string) pages.DashboardTile {
		t := pages.DashboardTile{Label: label, Count: strconv.Itoa(n), Status: bad, Word: word, Href: "#" + anchor}
		if n == 0 {
			t.Status, t.Word = "green", "None"
		}
		return t
	}
	expired := 0
	for _, c := range sum.ExpiringCertificates {
		if c.Expired {
			expired++
		}
	}
	return []pages.DashboardTile{
		tile("Blocked requirements", len(sum.BlockedRequirements), "blocked", "red", "Blocked"),
		tile("Flagged projects", len(sum.FlaggedProjects), "flagged", "amber", "Flagged"),
		tile("Overdue orders", len(sum.OverdueOrders), "orders", "red", "Overdue"),
		tile("Unknown or declined orders", len(sum.StuckOrders), "orders", "red", "Needs a person"),
		tile("Expiring within 30 days", len(sum.ExpiringCertificates)-expired, "certs", "amber", "Renew"),
		tile("Expired", expired, "certs", "red", "Expired"),
	}
}

func dashboardClients(r *http.Request, cs []dashboard.ClientAttention) ([]view.Column, []pages.DashboardClientRow) {
	cs = slices.Clone(cs)
	sort := sortItems(r, cs, "c_total", map[string]func(a, b dashboard.ClientAttention) int{
		"c_client": func(a, b dashboard.ClientAttention) int { return byName(a.ClientName, b.ClientName) },
		// Most to do first.
		"c_total": func(a, b dashboard.ClientAttention) int {
			return cmp.Or(b.Total-a.Total, byName(a.ClientName, b.ClientName))
		},
	})
	var rows []pages.DashboardClientRow
	for _, c := range cs {
		rows = append(rows, pages.DashboardClientRow{ClientID: c.ClientID, Client: c.ClientName,
			Href:    "/dashboard?client_id=" + strconv.FormatInt(c.ClientID, 10),
			Blocked: strconv.Itoa(c.Blocked), Flagged: strconv.Itoa(c.Flagged), Overdue: strconv.Itoa(c.Overdue),
			Stuck: strconv.Itoa(c.Stuck), Expiring: strconv.Itoa(c.Expiring + c.Expired), Total: strconv.Itoa(c.Total)})
	}
	return columns(r, sort, [][2]string{{"c_client", "Client"}, {"", "Blocked"}, {"", "Flagged"}, {"", "Overdue"},
		{"", "Unknown/declined"}, {"", "Expiring/expired"}, {"c_total", "All"}}, "c_total"), rows
}

func dashboardBlocked(r *http.Request, items []dashboard.BlockedRequirement) ([]view.Column, []pages.DashboardItemRow) {
	items = slices.Clone(items)
	sort := sortItems(r, items, "b_client", map[string]func(a, b dashboard.BlockedRequirement) int{
		"b_id": func(a, b dashboard.BlockedRequirement) int { return cmp.Compare(a.RequirementID, b.RequirementID) },
		"b_client": func(a, b dashboard.BlockedRequirement) int {
			return byName(a.ClientName+a.ProjectName, b.ClientName+b.ProjectName)
		},
		"b_red": func(a, b dashboard.BlockedRequirement) int { return cmp.Compare(a.RedItems, b.RedItems) },
	})
	rows := make([]pages.DashboardItemRow, 0, len(items))
	for _, b := range items {
		rows = append(rows, pages.DashboardItemRow{Href: "/requirements/" + strconv.FormatInt(b.RequirementID, 10),
			Ref: "#" + strconv.FormatInt(b.RequirementID, 10), Client: b.ClientName, Project: b.ProjectName,
			What: strings.Join(b.Hostnames, ", "), Status: "red", StatusLabel: "Blocked",
			Number: strconv.Itoa(b.RedItems), Detail: b.Reason})
	}
	return columns(r, sort, [][2]string{{"b_id", "Requirement"}, {"b_client", "Client · project"}, {"", "Hostnames"},
		{"", "Status"}, {"b_red", "Red items"}, {"", "First red item"}}, "b_id", "b_red"), rows
}

func dashboardFlagged(r *http.Request, items []dashboard.FlaggedProject) ([]view.Column, []pages.DashboardItemRow) {
	items = slices.Clone(items)
	sort := sortItems(r, items, "f_client", map[string]func(a, b dashboard.FlaggedProject) int{
		"f_client": func(a, b dashboard.FlaggedProject) int {
			return byName(a.ClientName+a.ProjectName, b.ClientName+b.ProjectName)
		},
		"f_flags": func(a, b dashboard.FlaggedProject) int { return cmp.Compare(len(a.Flags), len(b.Flags)) },
	})
	rows := make([]pages.DashboardItemRow, 0, len(items))
	for _, p := range items {
		reasons := make([]string, len(p.Flags))
		for i, f := range p.Flags {
			reasons[i] = f.Reason
		}
		rows = append(rows, pages.DashboardItemRow{Href: "/projects/" + strconv.FormatInt(p.ProjectID, 10),
			Ref: "#" + strconv.FormatInt(p.ProjectID, 10), Client: p.ClientName, Project: p.ProjectName,
			What: "Sprint one", Status: "amber", StatusLabel: "Flagged", Number: strconv.Itoa(len(p.Flags)),
			Detail: strings.Join(reasons, " ")})
	}
	return columns(r, sort, [][2]string{{"", "Project"}, {"f_client", "Client · project"}, {"", "Stage"},
		{"", "Status"}, {"f_flags", "Flags"}, {"", "Why"}}, "f_flags"), rows
}

func dashboardOrders(r *http.Request, items []dashboard.AttentionOrder) ([]view.Column, []pages.DashboardItemRow) {
	sort := sortItems(r, items, "o_waiting", map[string]func(a, b dashboard.AttentionOrder) int{
		"o_id": func(a, b dashboard.AttentionOrder) int { return cmp.Compare(a.OrderID, b.OrderID) },
		"o_client": func(a, b dashboard.AttentionOrder) int {
			return byName(a.ClientName+a.ProjectName, b.ClientName+b.ProjectName)
		},
		"o_state": func(a, b dashboard.AttentionOrder) int { return strings.Compare(string(a.State), string(b.State)) },
		// Longest wait first.
		"o_waiting": func(a, b dashboard.AttentionOrder) int {
			return cmp.Or(b.BusinessDaysWaiting-a.BusinessDaysWaiting, cmp.Compare(a.OrderID, b.OrderID))
		},
	})
	rows := make([]pages.DashboardItemRow, 0, len(items))
	for _, o := range items {
		row := pages.DashboardItemRow{Href: "/orders/" + strconv.FormatInt(o.OrderID, 10),
			Ref: "#" + strconv.FormatInt(o.OrderID, 10), Client: o.ClientName, Project: o.ProjectName,
			What: o.CommonName, Status: o.State.Tone(), StatusLabel: o.StateLabel, Detail: o.Blocking,
			Number: strconv.Itoa(o.BusinessDaysWaiting)}
		if o.Overdue && o.State != orders.OrderUnknown {
			row.Status, row.StatusLabel = "red", "Overdue: "+o.StateLabel
		}
		rows = append(rows, row)
	}
	return columns(r, sort, [][2]string{{"o_id", "Order"}, {"o_client", "Client · project"}, {"", "Common name"},
		{"o_state", "Status"}, {"o_waiting", "Business days"}, {"", "What blocks it"}}, "o_id", "o_waiting"), rows
}

func dashboardCerts(r *http.Request, items []dashboard.ExpiringCertificate) ([]view.Column, []pages.DashboardItemRow) {
	items = slices.Clone(items)
	sort := sortItems(r, items, "x_days", map[string]func(a, b dashboard.ExpiringCertificate) int{
		"x_client": func(a, b dashboard.ExpiringCertificate) int {
			return byName(a.ClientName+a.ProjectName, b.ClientName+b.ProjectName)
		},
		"x_days": func(a, b dashboard.ExpiringCertificate) int {
			return cmp.Or(cmp.Compare(a.DaysLeft, b.DaysLeft), cmp.Compare(a.CertificateID, b.CertificateID))
		},
	})
	rows := make([]pages.DashboardItemRow, 0, len(items))
	for _, c := range items {
		row := pages.DashboardItemRow{Href: "/certificates/" + strconv.FormatInt(c.CertificateID, 10),
			Ref: "#" + strconv.FormatInt(c.CertificateID, 10), Client: c.ClientName, Project: c.ProjectName,
			What: c.CommonName, Status: "amber", StatusLabel: "Expires soon", Number: strconv.Itoa(c.DaysLeft),
			Detail: "Expires " + fmtTime(c.NotAfter) + ": renew it now (the CA takes 2–5 business days)."}
		if c.Expired {
			row.Status, row.StatusLabel = "red", "Expired"
			row.Detail = "Expired " + fmtTime(c.NotAfter) + " and not replaced: order a renewal."
		}
		rows = append(rows, row)
	}
	return columns(r, sort, [][2]string{{"", "Certificate"}, {"x_client", "Client · project"}, {"", "Common name"},
		{"", "Status"}, {"x_days", "Days left"}, {"", "What to do"}}, "x_days"), rows
}

// needsAttention is the home page's summary: the dashboard's tiles that are not zero.
func needsAttention(sum *dashboard.Summary) *pages.NeedsAttention {
	a := &pages.NeedsAttention{Total: strconv.Itoa(sum.Attention)}
	for _, t := range dashboardTiles(sum) {
		if t.Count != "0" {
			t.Href = "/dashboard" + t.Href
			a.Lines = append(a.Lines, t)
		}
	}
	return a
}
