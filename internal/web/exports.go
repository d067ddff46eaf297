package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/orders"
)

// csvSafe keeps a spreadsheet from reading a value as a formula: a value that
// starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe
// (OWASP's advice), which spreadsheets show as text.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// certificateCSVHeader names the export's columns.
var certificateCSVHeader = []string{"id", "common_name", "sans", "client", "project", "issuer", "serial",
	"not_before", "expires", "renew_by", "days_left", "sha256_fingerprint", "key_type", "warnings"}

// certificatesCSV streams the certificates the filter keeps as CSV, one row at
// a time (the export is the one answer allowed to grow with the database).
func (s *Server) certificatesCSV(w http.ResponseWriter, r *http.Request, f certs.Filter) {
	now := time.Now()
	s.streamCSV(w, r, "certificates.csv", certificateCSVHeader, "certificate export", func(write func([]string) error) error {
		return s.certs.EachCertificate(r.Context(), f, func(c *certs.Certificate) error {
			return write([]string{strconv.FormatInt(c.ID, 10), c.CommonName, strings.Join(c.SANs, " "), c.ClientName, c.ProjectName,
				c.Issuer, c.Serial, c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339),
				certs.RenewBy(c.NotBefore, c.NotAfter).UTC().Format(time.RFC3339), strconv.Itoa(c.DaysLeft(now)),
				c.FingerprintSHA256, c.KeyType, strings.Join(c.Warnings, "; ")})
		})
	})
}

// streamCSV writes a CSV download: the header, then each record each hands
// to write (made formula-safe), flushed every 500 rows so the export never
// sits in memory. Once the header is out an error can only be logged (as
// what) and the answer cut short.
func (s *Server) streamCSV(w http.ResponseWriter, r *http.Request, filename string, header []string, what string,
	each func(write func(rec []string) error) error) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	cw := csv.NewWriter(w)
	_ = cw.Write(header)
	n := 0
	err := each(func(rec []string) error {
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
		if n++; n%500 == 0 {
			cw.Flush()
		}
		return cw.Error()
	})
	cw.Flush()
	if err != nil {
		s.log.Error(what, "id", requestIDFrom(r.Context()), "error", err.Error())
		panic(http.ErrAbortHandler)
	}
}

// certificatesExport is the page's CSV link (same filters as the list).
func (s *Server) certificatesExport(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.certificateFilter(w, r); ok {
		s.certificatesCSV(w, r, f)
	}
}

// orderCSVHeader names the order export's columns.
var orderCSVHeader = []string{"id", "client", "project", "common_name", "product", "period_years", "state", "provider",
	"provider_order_id", "submitted_at", "created_at", "updated_at", "certificate_id", "replaces_order_id"}

// ordersCSV streams the orders the filter keeps as CSV, newest first.
func (s *Server) ordersCSV(w http.ResponseWriter, r *http.Request, f orders.OrderFilter) {
	if f.State != "" && !f.State.Valid() {
		s.fail(w, r, errs.Field("state", "state must be one of the order states."))
		return
	}
	opt := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	id := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	s.streamCSV(w, r, "orders.csv", orderCSVHeader, "order export", func(write func([]string) error) error {
		return s.orders.EachOrder(r.Context(), f, func(o *orders.Order) error {
			return write([]string{strconv.FormatInt(o.ID, 10), o.ClientName, o.ProjectName, o.CommonName, o.Product, strconv.Itoa(o.PeriodYears),
				string(o.State), o.Provider, o.ProviderOrderID, opt(o.SubmittedAt), o.CreatedAt.UTC().Format(time.RFC3339),
				o.UpdatedAt.UTC().Format(time.RFC3339), id(o.CertificateID), id(o.ReplacesOrderID)})
		})
	})
}
