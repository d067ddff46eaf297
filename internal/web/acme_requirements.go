package web

import (
	"github.com/certportal/certportal/internal/acme"
	"github.com/certportal/certportal/internal/projects"
)

// requirementAdvice is a requirement's advice with, for hostnames under
// reserved TLDs, the warning that only a private CA issues for them (a
// warning: the requirement does not know its CA; an ACME order on a public
// CA's account is refused).
func requirementAdvice(q *projects.Requirement) []string {
	advice := q.Advice()
	if w := acme.ReservedWarning(q.Hostnames); w != "" {
		advice = append(advice, w)
	}
	return advice
}
