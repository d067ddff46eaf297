package seed

import (
	"context"
	"fmt"
	"time"
)

// load writes nClients clients with three projects each, about ten requirements
// per client, and nCerts certificates spread over the issued requirements.
func (g *generator) load(ctx context.Context, nClients, nCerts int) error {
	g.addUsers(max(6, nClients/25))
	type pending struct {
		c        client
		project  int64
		host     string
		st       stage
		filed    time.Time
		hasCerts bool
	}
	var reqs []pending
	issued := 0
	for i := range nClients {
		// Numbered by the id to come, so that a second load's names are new too.
		name := fmt.Sprintf("%s %s %04d", nameFirst[i%len(nameFirst)], nameSecond[(i/len(nameFirst))%len(nameSecond)], g.clients.next)
		c := g.addClient(name)
		nReq := 0
		for p := range 3 {
			pid, kickoff := g.addProject(c, projNames[(i+p)%len(projNames)], -200+g.rnd.IntN(260))
			n := 3 + (i+p)%2 // 3 or 4 requirements per project, about 10 per client
			if p == 2 {
				n = 10 - nReq
			}
			for r := range n {
				st := g.loadStage()
				reqs = append(reqs, pending{c: c, project: pid, host: hostLabels[(r+p)%len(hostLabels)], st: st, filed: kickoff.AddDate(0, 0, 7),
					hasCerts: st >= stageIssued})
				if st >= stageIssued {
					issued++
				}
				nReq++
			}
		}
	}
	base, extra := 0, 0
	if issued > 0 {
		base, extra = nCerts/issued, nCerts%issued
	}
	for _, r := range reqs {
		n := 0
		if r.hasCerts {
			n = base
			if extra > 0 {
				n++
				extra--
			}
			if n == 0 {
				r.st = stageCSR // fewer certificates asked for than issued requirements
			}
		}
		g.addRequirement(r.c, r.project, r.host, r.st, n, r.filed)
	}
	return g.flush(ctx)
}

// loadStage spreads requirements over the workflow like a busy agency's book.
func (g *generator) loadStage() stage {
	x := g.rnd.IntN(100)
	switch {
	case x < 4:
		return stageRequirement
	case x < 8:
		return stageCSR
	case x < 12:
		return stageOrdered
	case x < 14:
		return stageOverdue
	case x < 15:
		return stageUnknown
	case x < 16:
		return stageDeclined
	case x < 22:
		return stageExpiring
	case x < 24:
		return stageExpired
	}
	return stageIssued
}

// demo writes four clients whose requirements sit at every step of the workflow.
func (g *generator) demo(ctx context.Context) error {
	g.addUsers(6)
	type req struct {
		host string
		st   stage
	}
	book := []struct {
		client   string
		project  string
		staging  int
		requires []req
	}{
		{"Harbor Dental", "Patient booking", 20, []req{{"www", stageIssued}, {"booking", stageOrdered}, {"api", stageCSR}}},
		{"Juniper Outfitters", "Online shop", 10, []req{{"shop", stageOverdue}, {"www", stageExpiring}, {"intranet", stageRequirement}}},
		{"Cedar Credit Union", "Member portal", -30, []req{{"portal", stageDeclined}, {"www", stageExpired}, {"app", stageUnknown}}},
		{"Summit Hotels", "Booking system", 45, []req{{"booking", stageIssued}, {"www", stageIssued}, {"partners", stageRequirement}}},
	}
	for _, b := range book {
		c := g.addClient(b.client)
		pid, kickoff := g.addProject(c, b.project, b.staging)
		for _, r := range b.requires {
			g.addRequirement(c, pid, r.host, r.st, 3, kickoff.AddDate(0, 0, 7))
		}
	}
	return g.flush(ctx)
}
