package installs

import (
	"context"
	"fmt"

	"github.com/certportal/certportal/internal/ssllabs"
)

// SSLLabs assesses a public host with the SSL Labs API (which resolves and
// connects from the internet by itself).
type SSLLabs struct {
	Client *ssllabs.Client
}

// Scan implements Scanner.
func (s *SSLLabs) Scan(ctx context.Context, target ScanTarget, progress func(string)) (*ScanOutcome, error) {
	progress("assessment requested from SSL Labs")
	res, err := s.Client.Assess(ctx, target.Hostname)
	if err != nil {
		return nil, err
	}
	if res.Status == ssllabs.StatusError {
		return nil, fmt.Errorf("SSL Labs could not assess %s: %s", target.Hostname, res.StatusMessage)
	}
	out := &ScanOutcome{Raw: res.Raw}
	for _, e := range res.Endpoints {
		ep := Endpoint{Address: e.IPAddress, Grade: e.Grade, GradeIgnoringTrust: e.GradeTrustIgnored, Findings: []string{}}
		if e.Grade == "" {
			ep.Error = e.StatusMessage
		}
		if e.HasWarnings {
			ep.Findings = append(ep.Findings, "SSL Labs reports warnings: see the full report")
		}
		out.Endpoints = append(out.Endpoints, ep)
	}
	progress("assessment finished")
	return out, nil
}
