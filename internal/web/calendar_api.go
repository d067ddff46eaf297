package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/certportal/certportal/internal/certs"
	"github.com/certportal/certportal/internal/ical"
	"github.com/certportal/certportal/web/templates/pages"
)

// writeCalendar streams an event per certificate expiry and per renew-by date
// of each requirement's latest certificate (?client_id= narrows it).
func (s *Server) writeCalendar(w http.ResponseWriter, r *http.Request) {
	f, ok := s.certificateFilter(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="certificates.ics"`)
	cw := ical.NewWriter(w, "Certportal certificates", time.Now())
	n := 0
	err := s.certs.EachLatestCertificate(r.Context(), f.ClientID, func(c *certs.Certificate) error {
		where := c.ClientName + " · " + c.ProjectName
		url := "/certificates/" + strconv.FormatInt(c.ID, 10)
		if err := cw.Add(ical.Event{UID: "certificate-" + strconv.FormatInt(c.ID, 10) + "-expiry@certportal", Day: c.NotAfter,
			Summary: "Certificate expires: " + c.CommonName, Description: where + "\nThe certificate stops working at " + c.NotAfter.UTC().Format(time.RFC3339) + ".\n" + url}); err != nil {
			return err
		}
		renew := certs.RenewBy(c.NotBefore, c.NotAfter)
		if err := cw.Add(ical.Event{UID: "certificate-" + strconv.FormatInt(c.ID, 10) + "-renew-by@certportal", Day: renew,
			Summary: "Renew by: " + c.CommonName, Description: where + "\nOrder the renewal now (the CA takes 2-5 business days).\n" + url}); err != nil {
			return err
		}
		if n++; n%200 == 0 {
			return cw.Flush()
		}
		return nil
	})
	if err != nil {
		s.log.Error("calendar", "id", requestIDFrom(r.Context()), "error", err.Error())
		panic(http.ErrAbortHandler)
	}
	_ = cw.Close()
}

func (s *Server) apiCalendar(w http.ResponseWriter, r *http.Request) { s.writeCalendar(w, r) }

// calendarFeed is the secret address: the token stands for its user, who
// must still be active.
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request) {
	if _, err := s.accounts.UserForCalendarFeed(r.Context(), chi.URLParam(r, "token")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.writeCalendar(w, r)
}

func (s *Server) calendarCreatePost(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	token, _, err := s.accounts.CreateCalendarFeed(r.Context(), actor(r), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr, err := s.profileView(r, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr.NewCalendarURL = s.absoluteURL(r, "/calendar/"+token)
	s.render(w, r, pages.ProfilePage(s.pageData(r, "Profile"), pr))
}

func (s *Server) calendarRevokePost(w http.ResponseWriter, r *http.Request) {
	s.postAction(w, r, func(id int64) (formDone, error) {
		err := s.accounts.RevokeCalendarFeed(r.Context(), actor(r), currentUser(r).ID, id)
		return flashTo("The calendar address is revoked.", "/profile"), err
	})
}
