package web

import (
	"net/http"
	"strings"

	"github.com/certportal/certportal/internal/fields"
	"github.com/certportal/certportal/internal/projects"
	"github.com/certportal/certportal/web/templates/pages"
)

func checkboxValue(b bool) string {
	if b {
		return "1"
	}
	return ""
}

func (s *Server) renderRequirementEditForm(w http.ResponseWriter, r *http.Request, status int, q *projects.Requirement, f pages.Form) {
	v := requirementFormPage(&projects.Project{ID: q.ProjectID, Name: q.ProjectName}, q, f)
	s.renderStatus(w, r, status, pages.RequirementForm(s.pageData(r, v.Heading), v))
}

// requirementEdit shows the requirement form filled with what is filed.
func (s *Server) requirementEdit(w http.ResponseWriter, r *http.Request) {
	withRecord(s, w, r, s.projects.GetRequirement, func(id int64, q *projects.Requirement) {
		s.renderRequirementEditForm(w, r, http.StatusOK, q, pages.NewForm(map[string]string{
			"hostnames": strings.Join(q.Hostnames, "\n"), "public_facing": checkboxValue(q.PublicFacing),
			"takes_payments": checkboxValue(q.TakesPayments), "validation": q.Validation, "obtained_by": q.ObtainedBy,
			"needed_by": fields.FormatDate(q.NeededBy), "notes": q.Notes,
		}))
	})
}

// requirementEditPost saves the whole form. New hostnames that leave existing CSRs
// out of step are saved all the same, with a warning in the flash.
func (s *Server) requirementEditPost(w http.ResponseWriter, r *http.Request) {
	postFormFor(s, w, r, requirementFields, s.projects.GetRequirement, func(_ *projects.Requirement, id int64, f pages.Form) (formDone, error) {
		hostnames := projects.SplitHostnames(f.V("hostnames"))
		publicFacing, takesPayments := f.Checked("public_facing"), f.Checked("takes_payments")
		validation, obtainedBy, neededBy, notes := f.V("validation"), f.V("obtained_by"), f.V("needed_by"), f.V("notes")
		edit, err := s.projects.UpdateRequirement(r.Context(), actor(r), id, projects.RequirementUpdate{
			Hostnames: &hostnames, PublicFacing: &publicFacing, TakesPayments: &takesPayments,
			Validation: &validation, ObtainedBy: &obtainedBy, NeededBy: &neededBy, Notes: &notes,
		})
		switch {
		case err != nil:
			return formDone{}, err
		case len(edit.Warnings) > 0:
			return formDone{"Saved the requirement. " + strings.Join(edit.Warnings, " "), requirementHref(id), "warn"}, nil
		case len(edit.Changed) == 0:
			return flashTo("Nothing changed.", requirementHref(id)), nil
		}
		return flashTo("Saved the requirement.", requirementHref(id)), nil
	}, func(q *projects.Requirement, _ int64, f pages.Form) {
		s.renderRequirementEditForm(w, r, http.StatusUnprocessableEntity, q, f)
	})
}
