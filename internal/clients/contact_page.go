package clients

import (
	"context"
	"fmt"

	"github.com/certportal/certportal/internal/db"
	"github.com/certportal/certportal/internal/page"
)

// ContactSorts are the sort keys of a client's contact list: by id (the order
// they were added), newest first by default.
var ContactSorts = []string{"id"}

// ContactPage returns one page of a client's contacts; a missing client is not found.
func (s *Service) ContactPage(ctx context.Context, clientID int64, req page.Request) (res page.Result[Contact], err error) {
	if _, err = getClient(ctx, s.pool, clientID); err == nil {
		res, err = db.PageByID(ctx, s.pool, fmt.Sprintf("clients: page contacts of %d", clientID), req, "ct.id", scanContact,
			func(c Contact) int64 { return c.ID }, `SELECT `+contactColumns+contactFrom+`WHERE ct.client_id = $1`, clientID)
	}
	return res, err
}
