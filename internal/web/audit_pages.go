package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/page"
	"github.com/certportal/certportal/web/templates/pages"
)

// auditPage reads ?limit=&after=&before=&action= and answers one page of the
// audit log, newest first. A record id as before (the older form of the API:
// the records older than it) still works.
func (s *Server) auditPage(r *http.Request) (page.Result[audit.Entry], error) {
	q := r.URL.Query()
	get := q.Get
	if before := q.Get("before"); before != "" {
		if _, err := page.Decode(before); err != nil {
			id, err := strconv.ParseInt(before, 10, 64)
			if err != nil || id < 1 {
				msg := "before must be a cursor from a previous answer (or a record id)."
				return page.Result[audit.Entry]{}, &errs.Error{Code: errs.BadRequest, Message: msg, Fields: map[string]string{"before": msg}}
			}
			older := page.Cursor{Sort: "id", Desc: true, Value: before, ID: id}.Encode()
			get = func(k string) string {
				switch k {
				case "before":
					return ""
				case "after":
					return older
				}
				return q.Get(k)
			}
		}
	}
	req, err := page.ParseNewestFirst(get, []string{"id"}, true)
	if err != nil {
		return page.Result[audit.Entry]{}, err
	}
	return audit.Page(r.Context(), s.pool, req, q.Get("action"))
}

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	res, err := s.auditPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := pages.Audit{Action: r.URL.Query().Get("action")}
	v.Pager.PrevHref, v.Pager.NextHref = pageLinks(r, res.Next, res.Prev)
	for _, e := range res.Items {
		details, _ := json.Marshal(e.Details)
		v.Rows = append(v.Rows, pages.AuditRow{Time: fmtTime(e.At), Actor: e.ActorEmail, Action: e.Action, Subject: e.Subject, Details: string(details)})
	}
	s.render(w, r, pages.AuditPage(s.pageData(r, "Audit log"), v))
}
