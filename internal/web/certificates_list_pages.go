package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/web/templates/pages"
)

const dateLayout = "2006-01-02"

// certificateStatus is the colour and words for a certificate's state.
func certificateStatus(c *certs.Certificate, now time.Time) (string, string) {
	days := c.DaysLeft(now)
	switch {
	case days < 0:
		return "red", "Expired"
	case days < 30:
		return "amber", fmt.Sprintf("Expires in %d days", days)
	case c.MissingIssuer != "":
		return "amber", "Intermediate missing"
	}
	return "green", "Valid"
}

func (s *Server) certificateRows(list []certs.Certificate) []pages.CertificateRow {
	now := time.Now()
	rows := make([]pages.CertificateRow, 0, len(list))
	for i := range list {
		c := &list[i]
		status, label := certificateStatus(c, now)
		rows = append(rows, pages.CertificateRow{
			ID: c.ID, CommonName: c.CommonName, ClientName: c.ClientName, ProjectName: c.ProjectName, Issuer: c.Issuer,
			NotAfter: c.NotAfter.Format(dateLayout), DaysLeft: c.DaysLeft(now), Status: status, StatusLabel: label, Warnings: len(c.Warnings),
		})
	}
	return rows
}

// readCertificateFilter reads ?client_id=&expiring_within_days= for the page and the API.
func readCertificateFilter(r *http.Request) (certs.Filter, error) {
	var f certs.Filter
	q := r.URL.Query()
	if v := strings.TrimSpace(q.Get("client_id")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return f, errs.Field("client_id", "client_id must be a client's id.")
		}
		f.ClientID = n
	}
	if v := strings.TrimSpace(q.Get("expiring_within_days")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 3650 {
			return f, errs.Field("expiring_within_days", "expiring_within_days must be a whole number of days from 0 to 3650.")
		}
		f.ExpiringWithinDays = &n
	}
	return f, nil
}

// certificateFilter is the request's certificate filter; a bad one is answered
// with the error page (or JSON error) and ok is false.
func (s *Server) certificateFilter(w http.ResponseWriter, r *http.Request) (f certs.Filter, ok bool) {
	f, err := readCertificateFilter(r)
	if err != nil {
		s.fail(w, r, err)
	}
	return f, err == nil
}

func (s *Server) certificatesList(w http.ResponseWriter, r *http.Request) {
	f, res, req, ok := showPage(s, w, r, readCertificateFilter, certs.CertificateSorts, s.certs.CertificatePage)
	if !ok {
		return
	}
	v := pages.Certificates{
		Columns: pagedColumns(r, req, [][2]string{{"", "Certificate"}, {"name", "Common name"}, {"", "Client"}, {"", "Project"},
			{"issuer", "Issuer"}, {"expires", "Expires"}, {"", "Days left"}, {"", "State"}}),
		Rows:         s.certificateRows(res.Items),
		ClientID:     r.URL.Query().Get("client_id"),
		ExpiringDays: r.URL.Query().Get("expiring_within_days"),
	}
	v.Prev, v.Next = pageLinks(r, res.Next, res.Prev)
	csv := r.URL.Query()
	for _, k := range []string{"after", "before", "limit", "sort", "dir"} {
		csv.Del(k)
	}
	csv.Set("format", "csv")
	v.CSVHref = "/certificates/export?" + csv.Encode()
	if f.ClientID != 0 {
		if c, err := s.clients.GetClient(r.Context(), f.ClientID); err == nil {
			v.ClientName = c.DisplayName
		}
	}
	s.render(w, r, pages.CertificatesPage(s.pageData(r, "Certificates"), v))
}
