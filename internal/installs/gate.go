package installs

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
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

// GateRow is one requirement with a certificate, and its staging gate.
type GateRow struct {
	Gate
	Hostnames   []string   `json:"hostnames"`
	ProjectID   int64      `json:"project_id"`
	ProjectName string     `json:"project_name"`
	ClientID    int64      `json:"client_id"`
	ClientName  string     `json:"client_name"`
	StagingOn   *time.Time `json:"staging_on"` // the project's staging date
}

// StagingBoardLimit is how many rows the staging board shows: the most urgent.
const StagingBoardLimit = 50

// StagingBoard is the staging gate of the requirements that have an issued
// certificate (of one client when clientID is not 0): closed gates first,
// the nearest staging date first among them, at most StagingBoardLimit rows
// so that the answer does not grow with the database. The open/closed order
// is decided in SQL by the same rule as Gates (an active staging install
// whose last check passed); Gates then words each row.
func (s *Service) StagingBoard(ctx context.Context, clientID int64) ([]GateRow, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.id, r.hostnames, p.id, p.name, cl.id, cl.display_name, p.staging_on
		FROM requirements r
		JOIN projects p ON p.id = r.project_id
		JOIN clients cl ON cl.id = p.client_id
		WHERE EXISTS (SELECT 1 FROM certificates c WHERE c.requirement_id = r.id)
		  AND ($1::bigint = 0 OR cl.id = $1)
		ORDER BY EXISTS (SELECT 1 FROM certificates c
				JOIN installs i ON i.certificate_id = c.id AND i.environment = 'staging' AND i.retired_at IS NULL
				JOIN install_checks k ON k.id = i.last_check_id AND k.passed
				WHERE c.requirement_id = r.id),
			p.staging_on NULLS LAST, r.id
		LIMIT $2`, clientID, StagingBoardLimit)
	if err != nil {
		return nil, fmt.Errorf("installs: staging board: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (GateRow, error) {
		var g GateRow
		err := row.Scan(&g.RequirementID, &g.Hostnames, &g.ProjectID, &g.ProjectName, &g.ClientID, &g.ClientName, &g.StagingOn)
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("installs: staging board: %w", err)
	}
	ids := make([]int64, len(list))
	for i, g := range list {
		ids[i] = g.RequirementID
	}
	gates, err := s.Gates(ctx, ids...)
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Gate = gates[list[i].RequirementID]
	}
	slices.SortFunc(list, func(a, b GateRow) int {
		if a.InstalledOnStaging != b.InstalledOnStaging {
			if a.InstalledOnStaging {
				return 1
			}
			return -1
		}
		switch {
		case a.StagingOn == nil && b.StagingOn != nil:
			return 1
		case a.StagingOn != nil && b.StagingOn == nil:
			return -1
		case a.StagingOn != nil && !a.StagingOn.Equal(*b.StagingOn):
			return a.StagingOn.Compare(*b.StagingOn)
		}
		return cmp.Compare(a.RequirementID, b.RequirementID)
	})
	return list, nil
}
