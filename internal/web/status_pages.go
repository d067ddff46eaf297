package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/dashboard"
	"github.com/certportal/certportal/internal/projects"
	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

var stepTones = map[projects.StepKey]string{
	projects.StepRequirement: "red", projects.StepChecklist: "amber", projects.StepCSR: "amber", projects.StepOrdered: "amber",
	projects.StepVerifying: "amber", projects.StepIssued: "green", projects.StepStaging: "green", projects.StepChecked: "green",
	projects.StepProduction: "green",
}

var ownerWords = map[string]string{"po": "Project owner", "engineer": "Engineer", "ca": "Certificate authority", "client": "Client"}

func statusDate(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.Format(dateLayout)
}

// statusView shapes a status for the page; shared leaves out links and notes.
func statusView(st *dashboard.Status, heading string, shared bool) pages.StatusView {
	v := pages.StatusView{Heading: heading, AsOf: fmtTime(st.AsOf), Shared: shared}
	steps := strconv.Itoa(len(projects.Steps()))
	for _, p := range st.Projects {
		pv := pages.StatusProject{Name: p.Name, Staging: statusDate(p.StagingOn), Production: statusDate(p.ProductionOn)}
		if !shared {
			pv.Href = "/projects/" + strconv.FormatInt(p.ProjectID, 10) + "/status"
			pv.People = labeled("PO", p.POName, "AM", p.AMName)
		}
		for _, r := range p.Requirements {
			rv := pages.StatusRequirement{Hostnames: strings.Join(r.Hostnames, ", "), Step: r.Step.Label,
				StepTone: stepTones[r.Step.Key], Owner: ownerWords[r.Step.Owner], Next: r.Step.Next,
				StepIndex: strconv.Itoa(r.Step.Index), StepCount: steps,
				NeededBy: statusDate(r.NeededBy), Expires: statusDate(r.NotAfter), RenewBy: statusDate(r.RenewBy), Grade: r.Grade}
			if rv.Grade == "" {
				rv.Grade = "—"
			}
			if !shared {
				rv.Href = "/requirements/" + strconv.FormatInt(r.RequirementID, 10)
				rv.Notes = r.Notes
			}
			pv.Requirements = append(pv.Requirements, rv)
		}
		v.Projects = append(v.Projects, pv)
	}
	return v
}

func (s *Server) clientStatus(w http.ResponseWriter, r *http.Request) {
	s.showByID(w, r, func(id int64) (templ.Component, error) { return s.clientStatusPage(r, id, "") })
}

// clientStatusPage is the client's status page; newShareURL is a share link
// just made, shown once.
func (s *Server) clientStatusPage(r *http.Request, id int64, newShareURL string) (templ.Component, error) {
	st, err := s.dashboard.ClientStatus(r.Context(), id)
	if err != nil {
		return nil, err
	}
	v := statusView(st, st.ClientName+": status", false)
	if u := currentUser(r); u.Has(accounts.RolePO, accounts.RoleAM) {
		v.CanShare, v.ShareFor, v.ShareURL = true, id, newShareURL
		shares, err := s.clients.Shares(r.Context(), id)
		if err != nil {
			return nil, err
		}
		now := time.Now()
		for _, sh := range shares {
			state := "active"
			switch {
			case sh.RevokedAt != nil:
				state = "withdrawn " + fmtTime(*sh.RevokedAt)
			case !sh.Active(now):
				state = "expired"
			}
			v.ShareLinks = append(v.ShareLinks, pages.StatusShare{ID: sh.ID, CreatedBy: sh.CreatedBy, Created: fmtTime(sh.CreatedAt),
				Expires: fmtTime(sh.ExpiresAt), Status: state, Active: sh.Active(now)})
		}
	}
	return pages.StatusPage(s.pageData(r, st.ClientName+": status"), v), nil
}

func (s *Server) projectStatus(w http.ResponseWriter, r *http.Request) {
	withRecord(s, w, r, s.dashboard.ProjectStatus, func(id int64, st *dashboard.Status) {
		name := st.ClientName
		if len(st.Projects) == 1 {
			name += " · " + st.Projects[0].Name
		}
		s.render(w, r, pages.StatusPage(s.pageData(r, name+": status"), statusView(st, name+": status", false)))
	})
}

func (s *Server) shareCreatePost(w http.ResponseWriter, r *http.Request) {
	s.showByID(w, r, func(id int64) (templ.Component, error) {
		token, _, err := s.clients.CreateShare(r.Context(), actor(r), id)
		if err != nil {
			return nil, err
		}
		// Shown once, on this answer; never stored in a flash or a log.
		return s.clientStatusPage(r, id, s.absoluteURL(r, "/shared/status/"+token))
	})
}

func (s *Server) clientShareRevokePost(w http.ResponseWriter, r *http.Request) {
	s.postAction(w, r, func(id int64) (formDone, error) {
		shareID, err := pathID(r, "share")
		if err != nil {
			return formDone{}, err
		}
		err = s.clients.RevokeShare(r.Context(), actor(r), id, shareID)
		return flashTo("The share link is withdrawn.", "/clients/"+strconv.FormatInt(id, 10)+"/status"), err
	})
}

// sharedStatus is the client-facing status page behind a share link: no
// session, no internal notes, no agency people, nothing of another client.
func (s *Server) sharedStatus(w http.ResponseWriter, r *http.Request) {
	clientID, err := s.clients.ClientForShare(r.Context(), chi.URLParam(r, "token"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.dashboard.ClientStatus(r.Context(), clientID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := view.PageData{Title: st.ClientName + ": certificate status", Env: s.cfg.Env, RequestID: requestIDFrom(r.Context())}
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the address
	s.render(w, r, pages.StatusPage(p, statusView(st.ClientFacing(), st.ClientName+": certificate status", true)))
}

func (s *Server) apiClientStatus(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusOK, func(id int64) (any, error) { return s.dashboard.ClientStatus(r.Context(), id) })
}

func (s *Server) apiProjectStatus(w http.ResponseWriter, r *http.Request) {
	serveID(s, w, r, http.StatusOK, func(id int64) (any, error) { return s.dashboard.ProjectStatus(r.Context(), id) })
}
