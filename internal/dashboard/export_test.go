package dashboard

import "time"

// SetNow pins the dashboard's clock, so that a test's months and minutes do
// not move under it. Call it before the service is shared between goroutines.
func (s *Service) SetNow(now func() time.Time) { s.now = now }
