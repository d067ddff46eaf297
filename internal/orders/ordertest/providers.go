package ordertest

import (
	"net/http"

	"github.com/certportal/certportal/internal/opensrs"
	"github.com/certportal/certportal/internal/orders"
	"github.com/certportal/certportal/internal/providers/manual"
	"github.com/certportal/certportal/internal/providers/opensrsprovider"
)

// The reseller credentials Simulator gives a simulator that names none.
const (
	SimUsername = "reseller"
	SimKey      = "0123456789abcdef-test-key"
)

// Providers are the order providers a test's order service uses: OpenSRS at
// the simulator at url (with the credentials above), and manual.
func Providers(url string) []orders.Provider {
	client := &opensrs.Client{URL: url, Username: SimUsername, Key: SimKey, HTTP: &http.Client{}}
	return []orders.Provider{opensrsprovider.New(client), manual.New()}
}
