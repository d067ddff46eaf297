package accounts

import "sync/atomic"

// CountPasswordChecks makes s count the argon2 hashes it computes to check passwords.
func CountPasswordChecks(s *Service) *atomic.Int64 {
	var n atomic.Int64
	s.checkPassword = func(hash, password string) (bool, error) {
		n.Add(1)
		return CheckPassword(hash, password)
	}
	return &n
}
