package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/web/templates/pages"
)

const auditPageSize = 50

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	var before int64
	if v := r.URL.Query().Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			s.fail(w, r, errs.New(errs.BadRequest, "before must be an audit record id, a positive whole number."))
			return
		}
		before = n
	}
	action := r.URL.Query().Get("action")
	// One more than a page tells whether there is an older page.
	entries, err := audit.List(r.Context(), s.pool, audit.Filter{Limit: auditPageSize + 1, BeforeID: before, Action: action})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.Audit{Action: action}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		q := url.Values{"before": {strconv.FormatInt(entries[len(entries)-1].ID, 10)}}
		if action != "" {
			q.Set("action", action)
		}
		v.Pager.NextHref = "/audit?" + q.Encode()
	}
	if before != 0 {
		v.Pager.PrevHref = "/audit"
		if action != "" {
			v.Pager.PrevHref += "?action=" + url.QueryEscape(action)
		}
	}
	for _, e := range entries {
		details, _ := json.Marshal(e.Details)
		v.Rows = append(v.Rows, pages.AuditRow{Time: fmtTime(e.At), Actor: e.ActorEmail, Action: e.Action, Subject: e.Subject, Details: string(details)})
	}
	s.render(w, r, pages.AuditPage(s.pageData(r, "Audit log"), v))
}
