package web

import "github.com/certportal/certportal/internal/accounts"

// Who may read and who may change clients, projects and requirements: project
// owners write; engineers and account managers read (admins pass every rule).
var (
	readClients  = only(accounts.RolePO, accounts.RoleEngineer, accounts.RoleAM)
	writeClients = only(accounts.RolePO)
)

// clientRoutes is this area's part of the route table (see routeTable).
func (s *Server) clientRoutes() []route {
	return []route{
		{"GET", "/clients", readClients, s.clientList},
		{"GET", "/clients/new", writeClients, s.clientNew},
		{"POST", "/clients", writeClients, s.clientCreatePost},
		{"GET", "/clients/{id}", readClients, s.clientView},
		{"GET", "/clients/{id}/edit", writeClients, s.clientEdit},
		{"POST", "/clients/{id}", writeClients, s.clientEditPost},
		{"POST", "/clients/{id}/contacts", writeClients, s.contactCreatePost},
		{"POST", "/clients/{id}/standing", writeClients, s.standingCreatePost},
		{"GET", "/contacts/{id}/edit", writeClients, s.contactEdit},
		{"POST", "/contacts/{id}", writeClients, s.contactEditPost},
		{"POST", "/contacts/{id}/verify", writeClients, s.contactVerifyPost},
		{"GET", "/projects", readClients, s.projectList},
		{"GET", "/projects/new", writeClients, s.projectNew},
		{"POST", "/projects", writeClients, s.projectCreatePost},
		{"GET", "/projects/{id}", readClients, s.projectView},
		{"GET", "/projects/{id}/edit", writeClients, s.projectEdit},
		{"POST", "/projects/{id}", writeClients, s.projectEditPost},
		{"GET", "/projects/{id}/requirements/new", writeClients, s.requirementNew},
		{"POST", "/projects/{id}/requirements", writeClients, s.requirementCreatePost},
		{"GET", "/requirements/{id}", readClients, s.requirementView},
		{"GET", "/requirements/{id}/edit", writeClients, s.requirementEdit},
		{"POST", "/requirements/{id}", writeClients, s.requirementEditPost},
		{"POST", "/requirements/{id}/domain-check", writeClients, s.domainCheckPost},
		{"POST", "/requirements/{id}/domain-checks/manual", writeClients, s.manualRegistrationPost},
		{"GET", "/settings/billing-contact", admins, s.billingContact},
		{"POST", "/settings/billing-contact", admins, s.billingContactPost},

		{"GET", "/api/v1/clients", readClients, s.apiClients},
		{"POST", "/api/v1/clients", writeClients, s.apiClientCreate},
		{"GET", "/api/v1/clients/{id}", readClients, s.apiClient},
		{"PATCH", "/api/v1/clients/{id}", writeClients, s.apiClientUpdate},
		{"POST", "/api/v1/clients/{id}/contacts", writeClients, s.apiContactCreate},
		{"GET", "/api/v1/clients/{id}/contacts", readClients, s.apiContactList},
		{"PATCH", "/api/v1/contacts/{id}", writeClients, s.apiContactUpdate},
		{"POST", "/api/v1/contacts/{id}/verify", writeClients, s.apiContactVerify},
		{"GET", "/api/v1/clients/{id}/standing", readClients, s.apiStandingList},
		{"POST", "/api/v1/clients/{id}/standing", writeClients, s.apiStandingCreate},
		{"GET", "/api/v1/projects", readClients, s.apiProjects},
		{"POST", "/api/v1/projects", writeClients, s.apiProjectCreate},
		{"GET", "/api/v1/projects/{id}", readClients, s.apiProject},
		{"PATCH", "/api/v1/projects/{id}", writeClients, s.apiProjectUpdate},
		{"POST", "/api/v1/projects/{id}/requirements", writeClients, s.apiRequirementCreate},
		{"GET", "/api/v1/projects/{id}/requirements", readClients, s.apiRequirementList},
		{"GET", "/api/v1/requirements/{id}", readClients, s.apiRequirement},
		{"PATCH", "/api/v1/requirements/{id}", writeClients, s.apiRequirementUpdate},
		{"POST", "/api/v1/requirements/{id}/domain-check", writeClients, s.apiDomainCheck},
		{"POST", "/api/v1/requirements/{id}/domain-checks/manual", writeClients, s.apiManualRegistration},
		{"GET", "/api/v1/requirements/{id}/readiness", readClients, s.apiReadiness},
		{"GET", "/api/v1/settings/billing-contact", admins, s.apiBillingContact},
		{"PUT", "/api/v1/settings/billing-contact", admins, s.apiBillingContactUpdate},
	}
}
