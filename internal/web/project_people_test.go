package web

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/accounts"
)

// personChoicesRe reads the users a people field of the project form offers.
var personChoicesRe = regexp.MustCompile(`<option value="(\d+)"[^>]*>([^<]*)</option>`)

// personField is the part of the project form that picks name (po_id, am_id).
func personField(t *testing.T, form, name string) string {
	t.Helper()
	_, rest, ok := strings.Cut(form, `<label for="`+name+`">`)
	if !ok {
		t.Fatalf("the project form has no %s field", name)
	}
	field, _, _ := strings.Cut(rest, `<label for=`)
	return field
}

func TestTheProjectFormOffersTheActiveHoldersOfEachRoleAndTakesATypedIDPastAPageOfThem(t *testing.T) {
	t.Parallel()
	b := setup(t)
	br := b.signedIn("po@example.com", accounts.RolePO)
	b.user("am@example.com", accounts.RoleAM)
	b.user("eng@example.com", accounts.RoleEngineer)
	b.user("admin@example.com", accounts.RoleAdmin)
	b.exec(`INSERT INTO users (email, name, roles, disabled_at) VALUES ('gone@example.com', 'Gone', '{po,am}', now())`)
	client := b.ids(`INSERT INTO clients (display_name, legal_name) VALUES ('Acme', 'Acme LLC') RETURNING id`)[0]

	_, form := br.get("/projects/new")
	for _, tc := range []struct {
		field string
		want  []string
	}{
		{"po_id", []string{"admin@example.com", "po@example.com"}},
		{"am_id", []string{"admin@example.com", "am@example.com"}},
	} {
		field := personField(t, form, tc.field)
		var got []string
		for _, m := range personChoicesRe.FindAllStringSubmatch(field, -1) {
			got = append(got, m[2])
		}
		if !strings.Contains(field, "<select") || len(got) != len(tc.want) {
			t.Fatalf("%s offers %q, want a list of %d: %v", tc.field, got, len(tc.want), tc.want)
		}
		for i, w := range tc.want {
			if !strings.Contains(got[i], "&lt;"+w+"&gt;") {
				t.Errorf("%s offers %q, want %v by name, active holders of the role only", tc.field, got, tc.want)
			}
		}
	}

	// Past a page of project owners, the field takes an id; one past the
	// suggestions can be named, and stays chosen when the form comes back.
	b.exec(`INSERT INTO users (email, name, roles) SELECT 'po' || g || '@example.com', 'PO ' || lpad(g::text, 4, '0'), '{po}'
		FROM generate_series(1, $1) g`, peopleChoices)
	late := b.ids(`SELECT id FROM users WHERE name = $1`, fmt.Sprintf("PO %04d", peopleChoices))[0]
	_, form = br.get("/projects/new")
	po, am := personField(t, form, "po_id"), personField(t, form, "am_id")
	if !strings.Contains(po, `data-testid="po_id-more"`) || strings.Contains(po, "<select") ||
		strings.Count(po, "<option") != peopleChoices || strings.Contains(po, fmt.Sprintf(`value="%d"`, late)) {
		t.Errorf("past %d project owners: want a typed id with the first %d suggested (not %d), got %.400s", peopleChoices, peopleChoices, late, po)
	}
	if strings.Contains(am, "-more") || !strings.Contains(am, "<select") {
		t.Errorf("the account managers, few, are no longer a list")
	}
	resp, body := br.post("/projects", url.Values{"client": {"Acme"}, "name": {"Late"}, "po_id": {fmt.Sprint(late)}})
	if resp.StatusCode != 303 {
		t.Fatalf("naming the project owner by id: %d %.300s", resp.StatusCode, body)
	}
	project := b.ids(`SELECT id FROM projects WHERE client_id = $1 AND po_id = $2`, client, late)
	if len(project) != 1 {
		t.Fatalf("the project does not name project owner %d", late)
	}
	_, form = br.get(fmt.Sprintf("/projects/%d/edit", project[0]))
	if po := personField(t, form, "po_id"); !strings.Contains(po, fmt.Sprintf(`value="%d"`, late)) {
		t.Errorf("editing the project lost its project owner %d: %.300s", late, po)
	}
}
