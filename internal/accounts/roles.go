// Package accounts holds the portal's users, their roles, passwords and personal API
// tokens, and the sign-in rules (uniform failure message, slowed-down guessing).
package accounts

import (
	"fmt"
	"slices"
	"strings"
)

// Role is what a user may do. A user may hold several.
type Role string

const (
	RolePO       Role = "po"       // project owner: files requirements, CSRs, orders
	RoleEngineer Role = "engineer" // downloads bundles and keys, records installs
	RoleAM       Role = "am"       // account manager: reads dashboards
	RoleAdmin    Role = "admin"    // users, settings, everything above
)

// AllRoles lists every role in display order.
func AllRoles() []Role { return []Role{RolePO, RoleEngineer, RoleAM, RoleAdmin} }

// RoleLabel is the human name of a role.
func RoleLabel(r Role) string {
	switch r {
	case RolePO:
		return "Project owner"
	case RoleEngineer:
		return "Engineer"
	case RoleAM:
		return "Account manager"
	case RoleAdmin:
		return "Administrator"
	}
	return string(r)
}

// ParseRoles reads a comma-separated list such as "po,engineer".
func ParseRoles(s string) ([]Role, error) {
	var out []Role
	for _, part := range strings.Split(s, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		if part == "" {
			continue
		}
		r := Role(part)
		if !slices.Contains(AllRoles(), r) {
			return nil, fmt.Errorf("unknown role %q: choose from po, engineer, am, admin", part)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("at least one role is required (po, engineer, am, admin)")
	}
	slices.SortFunc(out, func(a, b Role) int { return slices.Index(AllRoles(), a) - slices.Index(AllRoles(), b) })
	return out, nil
}
