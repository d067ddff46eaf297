package clients

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/errs"
)

func TestFindClientTakesTheExactNameInAnyCaseOrTheNumberAndNamesTheFieldOtherwise(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	acme := b.client("Acme Widgets")
	numbered := b.client(fmt.Sprint(acme.ID)) // a name that is a number wins over the id
	for _, tc := range []struct {
		text string
		want int64
	}{
		{"Acme Widgets", acme.ID}, {"  acme WIDGETS ", acme.ID}, {fmt.Sprintf("#%d", acme.ID), acme.ID},
		{fmt.Sprint(acme.ID), numbered.ID}, {fmt.Sprint(numbered.ID), numbered.ID},
	} {
		c, err := svc.FindClient(context.Background(), "client", tc.text)
		if err != nil || c.ID != tc.want {
			t.Errorf("FindClient(%q) = %v, %v; want client %d", tc.text, c, err, tc.want)
		}
	}
	for _, text := range []string{"", "Acme", "Acme Widgets Inc", "#0", "99999999"} {
		_, err := svc.FindClient(context.Background(), "client", text)
		e, ok := errs.As(err)
		if !ok || e.Fields["client"] == "" || (text != "" && !strings.Contains(e.Fields["client"], text)) {
			t.Errorf("FindClient(%q): %v, want a field error on client quoting the text", text, err)
		}
	}
}
