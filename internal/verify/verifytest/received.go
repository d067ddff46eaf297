package verifytest

import "sync"

// received is what a fake server was asked, in order; its handlers and the
// test may use it at once.
type received struct {
	mu   sync.Mutex
	list []string
}

func (r *received) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, s)
}

// all is a copy of what was received so far.
func (r *received) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.list...)
}
