package opensrstest

import "github.com/certportal/certportal/internal/opensrs"

// Classification is how a caller that must order exactly once reads a failed
// request: sent nothing (safe to retry), outcome unknown (look before retrying),
// rate limited (wait). A definite answer from the service is none of them.
type Classification struct {
	NotSent, Unknown, RateLimited bool
}

// Classify reads err with opensrs.NotSent, opensrs.OutcomeUnknown and
// opensrs.IsRateLimited, so a test compares all three at once.
func Classify(err error) Classification {
	return Classification{
		NotSent:     opensrs.NotSent(err),
		Unknown:     opensrs.OutcomeUnknown(err),
		RateLimited: opensrs.IsRateLimited(err),
	}
}
