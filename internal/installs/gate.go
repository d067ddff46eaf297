package installs

import (
	"context"
)

// Gates returns the staging gate of each requirement, from its installs.
func (s *Service) Gates(ctx context.Context, requirementIDs ...int64) (map[int64]Gate, error) {
	list, err := s.ForRequirements(ctx, requirementIDs...)
	if err != nil {
		return nil, err
	}
	return gatesOf(requirementIDs, list), nil
}

// Gate returns the staging gate of one requirement.
func (s *Service) Gate(ctx context.Context, requirementID int64) (Gate, error) {
	gates, err := s.Gates(ctx, requirementID)
	if err != nil {
		return Gate{}, err
	}
	return gates[requirementID], nil
}

// gatesOf computes the gates from the installs; requirements without any
// get a closed gate saying so.
func gatesOf(requirementIDs []int64, list []Install) map[int64]Gate {
	gates := make(map[int64]Gate, len(requirementIDs))
	for _, id := range requirementIDs {
		gates[id] = Gate{RequirementID: id, Reason: "no install on staging is recorded"}
	}
	for _, in := range list {
		if !in.Active() {
			continue
		}
		g := gates[in.RequirementID]
		switch in.Environment {
		case Production:
			g.InProduction = g.InProduction || in.Passing()
		case Staging:
			if g.InstalledOnStaging {
				break
			}
			g.StagingInstallID = in.ID
			switch {
			case in.Passing():
				g.InstalledOnStaging, g.Reason = true, ""
				g.CheckedAt = &in.LastCheck.CheckedAt
			case in.LastCheck == nil:
				g.Reason = "the staging install " + in.Hostname + " has not been checked yet"
			default:
				g.CheckedAt = &in.LastCheck.CheckedAt
				g.Reason = "the last check of the staging install " + in.Hostname + " failed"
			}
		}
		gates[in.RequirementID] = g
	}
	return gates
}

// InProduction reports whether the certificate has an active production
// install whose last check passed.
func InProduction(list []Install) bool {
	for _, in := range list {
		if in.Active() && in.Environment == Production && in.Passing() {
			return true
		}
	}
	return false
}
