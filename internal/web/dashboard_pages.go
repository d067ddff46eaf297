package web

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/web/templates/components"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

// summaryFilter reads ?client_id=&am_id=&po_id= (empty: any).
func summaryFilter(r *http.Request) (dashboard.SummaryFilter, error) {
	var f dashboard.SummaryFilter
	for _, p := range []struct {
		name, what string
		dst        *int64
	}{{"client_id", "a client's id", &f.ClientID}, {"am_id", "a user's id", &f.AMID}, {"po_id", "a user's id", &f.POID}} {
		if v := strings.TrimSpace(r.URL.Query().Get(p.name)); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				return f, &errs.Error{Code: errs.BadRequest, Message: p.name + " must be " + p.what + ", a positive whole number.",
					Fields: map[string]string{p.name: "Give " + p.what + "."}}
			}
			*p.dst = id
		}
	}
	return f, nil
}

// filterQuery is the request's dashboard filter as a query string.
func filterQuery(r *http.Request) string {
	q := url.Values{}
	for _, k := range []string{"client_id", "am_id", "po_id"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
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
	q := r.URL.Query()
	d := pages.Dashboard{ClientID: sum.ClientID, AsOf: fmtTime(sum.AsOf),
		ClientIDText: q.Get("client_id"), AMIDText: q.Get("am_id"), POIDText: q.Get("po_id"), AllLinks: map[string][]pages.DashboardLink{}}
	fq := filterQuery(r)
	if sum.ClientID != 0 {
		if c, err := s.clients.GetClient(r.Context(), sum.ClientID); err == nil {
			d.ClientName = c.DisplayName
		}
	}
	see := func(section, list string, shown, all int, what string) {
		if all > shown {
			d.AllLinks[section] = append(d.AllLinks[section], pages.DashboardLink{
				Label: fmt.Sprintf("Showing the %d most urgent of %d %s: see them all", shown, all, what), Href: "/dashboard/" + list + fq})
		}
	}
	see("blocked", "blocked", len(sum.BlockedRequirements), sum.Counts.Blocked, "blocked requirements")
	see("flagged", "flagged", len(sum.FlaggedProjects), sum.Counts.Flagged, "flagged projects")
	see("orders", "overdue", len(sum.OverdueOrders), sum.Counts.Overdue, "overdue orders")
	see("orders", "stuck", len(sum.StuckOrders), sum.Counts.Stuck, "unknown or declined orders")
	see("certs", "expiring", len(sum.ExpiringCertificates), sum.Counts.Expiring+sum.Counts.Expired, "expiring or expired certificates")
	see("failed-installs", "failed-installs", len(sum.FailedInstalls), sum.Counts.FailedInstalls, "installs failing their last check")
	see("low-grades", "low-grades", len(sum.LowGrades), sum.Counts.LowGrades, "installs graded below A")
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
	d.FailedInstallCols, d.FailedInstalls = dashboardFailedInstalls(r, sum.FailedInstalls)
	d.LowGradeCols, d.LowGrades = dashboardLowGrades(r, sum.LowGrades)
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
	n := sum.Counts
	return []pages.DashboardTile{
		tile("Blocked requirements", n.Blocked, "blocked", "red", "Blocked"),
		tile("Flagged projects", n.Flagged, "flagged", "amber", "Flagged"),
		tile("Overdue orders", n.Overdue, "orders", "red", "Overdue"),
		tile("Unknown or declined orders", n.Stuck, "orders", "red", "Needs a person"),
		tile("Expiring within 30 days", n.Expiring, "certs", "amber", "Renew"),
		tile("Expired", n.Expired, "certs", "red", "Expired"),
		tile("Installs failing their check", n.FailedInstalls, "failed-installs", "red", "Failing"),
		tile("Installs graded below A", n.LowGrades, "low-grades", "amber", "Below A"),
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

// dashboardList sorts a copy of one of the dashboard's lists by the request's
// sort (clientKey: by client then project; def is the default) and makes each
// item a row naming its client and project.
func dashboardList[T interface{ Ref() dashboard.ProjectRef }](r *http.Request, items []T, def, clientKey string,
	by map[string]func(a, b T) int, row func(T) pages.DashboardItemRow) (sortSpec, []pages.DashboardItemRow) {
	items = slices.Clone(items)
	by[clientKey] = func(a, b T) int {
		ra, rb := a.Ref(), b.Ref()
		return byName(ra.ClientName+ra.ProjectName, rb.ClientName+rb.ProjectName)
	}
	sort := sortItems(r, items, def, by)
	rows := make([]pages.DashboardItemRow, 0, len(items))
	for _, it := range items {
		out := row(it)
		out.Client, out.Project = it.Ref().ClientName, it.Ref().ProjectName
		rows = append(rows, out)
	}
	return sort, rows
}

func dashboardBlocked(r *http.Request, items []dashboard.BlockedRequirement) ([]view.Column, []pages.DashboardItemRow) {
	sort, rows := dashboardList(r, items, "b_client", "b_client", map[string]func(a, b dashboard.BlockedRequirement) int{
		"b_id":  func(a, b dashboard.BlockedRequirement) int { return cmp.Compare(a.RequirementID, b.RequirementID) },
		"b_red": func(a, b dashboard.BlockedRequirement) int { return cmp.Compare(a.RedItems, b.RedItems) },
	}, func(b dashboard.BlockedRequirement) pages.DashboardItemRow {
		return pages.DashboardItemRow{Href: "/requirements/" + strconv.FormatInt(b.RequirementID, 10),
			Ref: "#" + strconv.FormatInt(b.RequirementID, 10), What: strings.Join(b.Hostnames, ", "),
			Status: "red", StatusLabel: "Blocked", Number: strconv.Itoa(b.RedItems), Detail: b.Reason}
	})
	return columns(r, sort, [][2]string{{"b_id", "Requirement"}, {"b_client", "Client · project"}, {"", "Hostnames"},
		{"", "Status"}, {"b_red", "Red items"}, {"", "First red item"}}, "b_id", "b_red"), rows
}

func dashboardFlagged(r *http.Request, items []dashboard.FlaggedProject) ([]view.Column, []pages.DashboardItemRow) {
	sort, rows := dashboardList(r, items, "f_client", "f_client", map[string]func(a, b dashboard.FlaggedProject) int{
		"f_flags": func(a, b dashboard.FlaggedProject) int { return cmp.Compare(len(a.Flags), len(b.Flags)) },
	}, func(p dashboard.FlaggedProject) pages.DashboardItemRow {
		reasons := make([]string, len(p.Flags))
		for i, f := range p.Flags {
			reasons[i] = f.Reason
		}
		return pages.DashboardItemRow{Href: "/projects/" + strconv.FormatInt(p.ProjectID, 10),
			Ref: "#" + strconv.FormatInt(p.ProjectID, 10), What: "Sprint one", Status: "amber", StatusLabel: "Flagged",
			Number: strconv.Itoa(len(p.Flags)), Detail: strings.Join(reasons, " ")}
	})
	return columns(r, sort, [][2]string{{"", "Project"}, {"f_client", "Client · project"}, {"", "Stage"},
		{"", "Status"}, {"f_flags", "Flags"}, {"", "Why"}}, "f_flags"), rows
}

func dashboardOrders(r *http.Request, items []dashboard.AttentionOrder) ([]view.Column, []pages.DashboardItemRow) {
	sort, rows := dashboardList(r, items, "o_waiting", "o_client", map[string]func(a, b dashboard.AttentionOrder) int{
		"o_id":    func(a, b dashboard.AttentionOrder) int { return cmp.Compare(a.OrderID, b.OrderID) },
		"o_state": func(a, b dashboard.AttentionOrder) int { return strings.Compare(string(a.State), string(b.State)) },
		// Longest wait first.
		"o_waiting": func(a, b dashboard.AttentionOrder) int {
			return cmp.Or(b.BusinessDaysWaiting-a.BusinessDaysWaiting, cmp.Compare(a.OrderID, b.OrderID))
		},
	}, func(o dashboard.AttentionOrder) pages.DashboardItemRow {
		row := pages.DashboardItemRow{Href: "/orders/" + strconv.FormatInt(o.OrderID, 10),
			Ref: "#" + strconv.FormatInt(o.OrderID, 10), What: o.CommonName, Status: o.State.Tone(),
			StatusLabel: o.StateLabel, Detail: o.Blocking, Number: strconv.Itoa(o.BusinessDaysWaiting)}
		if o.Overdue && o.State != orders.OrderUnknown {
			row.Status, row.StatusLabel = "red", "Overdue: "+o.StateLabel
		}
		return row
	})
	return columns(r, sort, [][2]string{{"o_id", "Order"}, {"o_client", "Client · project"}, {"", "Common name"},
		{"o_state", "Status"}, {"o_waiting", "Business days"}, {"", "What blocks it"}}, "o_id", "o_waiting"), rows
}

func dashboardCerts(r *http.Request, items []dashboard.ExpiringCertificate) ([]view.Column, []pages.DashboardItemRow) {
	sort, rows := dashboardList(r, items, "x_days", "x_client", map[string]func(a, b dashboard.ExpiringCertificate) int{
		"x_days": func(a, b dashboard.ExpiringCertificate) int {
			return cmp.Or(cmp.Compare(a.DaysLeft, b.DaysLeft), cmp.Compare(a.CertificateID, b.CertificateID))
		},
	}, func(c dashboard.ExpiringCertificate) pages.DashboardItemRow {
		row := pages.DashboardItemRow{Href: "/certificates/" + strconv.FormatInt(c.CertificateID, 10),
			Ref: "#" + strconv.FormatInt(c.CertificateID, 10), What: c.CommonName, Status: "amber",
			StatusLabel: "Expires soon", Number: strconv.Itoa(c.DaysLeft),
			Detail: "Expires " + fmtTime(c.NotAfter) + ": renew it now (the CA takes 2–5 business days)."}
		if c.Expired {
			row.Status, row.StatusLabel = "red", "Expired"
			row.Detail = "Expired " + fmtTime(c.NotAfter) + " and not replaced: order a renewal."
		}
		return row
	})
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

// dashboardLists are the dashboard's lists that have a full, paged page.
var dashboardLists = map[string]struct{ title, empty string }{
	"blocked":         {"Blocked requirements", "No requirement is blocked."},
	"flagged":         {"Projects flagged at sprint one", "No project is flagged."},
	"overdue":         {"Orders overdue at the CA", "No order is overdue."},
	"stuck":           {"Orders of unknown outcome or declined", "No order needs a person."},
	"expiring":        {"Certificates expiring or expired", "No certificate expires in the next 30 days."},
	"failed-installs": {"Installs failing their last check", "Every active install passed its last check."},
	"low-grades":      {"Installs graded below A", "No active install's latest scan graded it below A."},
}

// dashboardListItems is one page of a full dashboard list, in the order the
// dashboard shows it (most urgent first); the cursor is the last item's id.
func (s *Server) dashboardListItems(r *http.Request) (name string, items any, ids []int64, res page.Result[int], err error) {
	name = chi.URLParam(r, "list")
	if _, ok := dashboardLists[name]; !ok {
		return name, nil, nil, res, notFound("There is no such dashboard list.")
	}
	if s.orders == nil {
		return name, nil, nil, res, errs.New(errs.Unavailable, "The dashboard is not available in this portal.")
	}
	f, err := summaryFilter(r)
	if err != nil {
		return name, nil, nil, res, err
	}
	req, err := readPage(r, []string{name})
	if err != nil {
		return name, nil, nil, res, err
	}
	f.Limit = math.MaxInt
	sum, err := s.dashboard.Summary(r.Context(), f)
	if err != nil {
		return name, nil, nil, res, err
	}
	ids, pickAt := dashboardListOf(sum, name)
	// Positions into the list; the cursor names the item, not a position, so an
	// item that moves does not shift the pages around it.
	start, end := 0, len(ids)
	if req.After != nil {
		start = slices.Index(ids, req.After.ID) + 1
	}
	if req.Before != nil {
		if end = slices.Index(ids, req.Before.ID); end < 0 {
			end = 0
		}
		start = max(0, end-req.Limit)
	}
	stop := min(len(ids), start+req.Limit)
	if req.Before != nil {
		stop = end
	}
	var positions []int
	for i := start; i < stop; i++ {
		positions = append(positions, i)
	}
	cursor := func(i int) string { return page.Cursor{Sort: name, ID: ids[i]}.Encode() }
	res.Items = positions
	if stop < len(ids) && len(positions) > 0 {
		res.Next = cursor(stop - 1)
	}
	if start > 0 && len(positions) > 0 {
		res.Prev = cursor(start)
	}
	items = pickAt(positions)
	return name, items, ids, res, nil
}

// dashboardListOf is one of the summary's full lists: each item's id (what a
// cursor names) and the items at some positions.
func dashboardListOf(sum *dashboard.Summary, name string) (ids []int64, pickAt func([]int) any) {
	switch name {
	case "blocked":
		return listOf(sum.BlockedRequirements, func(b dashboard.BlockedRequirement) int64 { return b.RequirementID })
	case "flagged":
		return listOf(sum.FlaggedProjects, func(p dashboard.FlaggedProject) int64 { return p.ProjectID })
	case "overdue":
		return listOf(sum.OverdueOrders, func(o dashboard.AttentionOrder) int64 { return o.OrderID })
	case "stuck":
		return listOf(sum.StuckOrders, func(o dashboard.AttentionOrder) int64 { return o.OrderID })
	case "expiring":
		return listOf(sum.ExpiringCertificates, func(c dashboard.ExpiringCertificate) int64 { return c.CertificateID })
	case "failed-installs":
		return listOf(sum.FailedInstalls, func(f dashboard.FailedInstall) int64 { return f.InstallID })
	default: // "low-grades"
		return listOf(sum.LowGrades, func(g dashboard.LowGrade) int64 { return g.InstallID })
	}
}

func listOf[T any](list []T, id func(T) int64) ([]int64, func([]int) any) {
	ids := make([]int64, len(list))
	for i, it := range list {
		ids[i] = id(it)
	}
	return ids, func(positions []int) any { return pick(list, positions) }
}

func pick[T any](list []T, positions []int) []T {
	out := make([]T, 0, len(positions))
	for _, i := range positions {
		out = append(out, list[i])
	}
	return out
}

// apiDashboardList is GET /api/v1/dashboard/{list}: a full list, paged.
func (s *Server) apiDashboardList(w http.ResponseWriter, r *http.Request) {
	_, items, _, res, err := s.dashboardListItems(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, struct {
		Items any `json:"items"`
		pageCursors
	}{items, pageCursors{res.Next, res.Prev}})
}

// dashboardListPage is GET /dashboard/{list}.
func (s *Server) dashboardListPage(w http.ResponseWriter, r *http.Request) {
	name, items, _, res, err := s.dashboardListItems(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	meta := dashboardLists[name]
	l := pages.DashboardList{ID: name, Title: meta.title, Empty: meta.empty}
	switch v := items.(type) {
	case []dashboard.BlockedRequirement:
		l.Cols, l.Rows = dashboardBlocked(r, v)
	case []dashboard.FlaggedProject:
		l.Cols, l.Rows = dashboardFlagged(r, v)
	case []dashboard.AttentionOrder:
		l.Cols, l.Rows = dashboardOrders(r, v)
	case []dashboard.ExpiringCertificate:
		l.Cols, l.Rows = dashboardCerts(r, v)
	case []dashboard.FailedInstall:
		l.Cols, l.Rows = dashboardFailedInstalls(r, v)
	case []dashboard.LowGrade:
		l.Cols, l.Rows = dashboardLowGrades(r, v)
	}
	for i := range l.Cols {
		l.Cols[i].Href = "" // a full list keeps the dashboard's order
	}
	l.Prev, l.Next = pageLinks(r, res.Next, res.Prev)
	s.render(w, r, pages.DashboardListPage(s.pageData(r, meta.title), l))
}
