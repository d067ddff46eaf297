package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/certportal/certportal/internal/accounts"
	"github.com/certportal/certportal/internal/installs/installstest"
)

// testidNode is the element of the page carrying data-testid=id: its text
// (whitespace collapsed) and href; found is false when the page lacks it.
type testidNode struct {
	found bool
	text  string
	href  string
	id    string
}

func byTestID(t *testing.T, page, testid string) testidNode {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var out testidNode
	var walk func(n *html.Node) bool
	walk = func(n *html.Node) bool {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "data-testid" && a.Val == testid {
					out.found = true
					for _, a := range n.Attr {
						switch a.Key {
						case "href":
							out.href = a.Val
						case "id":
							out.id = a.Val
						}
					}
					var sb strings.Builder
					var text func(*html.Node)
					text = func(n *html.Node) {
						if n.Type == html.TextNode {
							sb.WriteString(n.Data + " ")
						}
						for c := n.FirstChild; c != nil; c = c.NextSibling {
							text(c)
						}
					}
					text(n)
					out.text = strings.Join(strings.Fields(sb.String()), " ")
					return true
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if walk(c) {
				return true
			}
		}
		return false
	}
	walk(doc)
	return out
}

// TestTheRequirementPageShowsItsStepWhoActsNextAndLinksToThatAction walks one
// requirement from filed to issued and reads its page at each step: the step,
// who owns the next action, the link to it; once a certificate is issued the
// checklist is history, not a blocker. The CSR page ends with "Next: place an
// order", the certificate page with "Next: record the staging install".
func TestTheRequirementPageShowsItsStepWhoActsNextAndLinksToThatAction(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	po := b.user("po@agency.example", accounts.RolePO)
	b.user("eng@agency.example", accounts.RoleEngineer)
	tok := b.token(po)
	br := b.browserAs("po@agency.example")

	pki := installstest.NewPKI(t, "www.example.com")
	reqID := installstest.Requirement(t, b.srv.pool, false, "www.example.com")
	rid := fmt.Sprint(reqID)
	reqPage := "/requirements/" + rid

	type want struct {
		label, owner, href, linkText string
		readiness                    string // text of the readiness summary
		notReady                     bool   // "Not ready" may show
	}
	check := func(step string, w want) {
		t.Helper()
		resp, page := br.get(reqPage)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: GET %s: %d", step, reqPage, resp.StatusCode)
		}
		if got := byTestID(t, page, "step-label"); !strings.Contains(got.text, w.label) {
			t.Errorf("%s: step label %q, want %q", step, got.text, w.label)
		}
		if got := byTestID(t, page, "step-owner"); got.text != w.owner {
			t.Errorf("%s: next action's owner %q, want %q", step, got.text, w.owner)
		}
		link := byTestID(t, page, "step-link")
		if link.href != w.href || link.text != w.linkText {
			t.Errorf("%s: step link %q → %q, want %q → %q", step, link.text, link.href, w.linkText, w.href)
		}
		if got := byTestID(t, page, "readiness-summary"); !strings.Contains(got.text, w.readiness) {
			t.Errorf("%s: readiness summary %q, want it to say %q", step, got.text, w.readiness)
		}
		if !w.notReady && strings.Contains(page, "Not ready") {
			t.Errorf("%s: the page still says Not ready", step)
		}
	}

	// Filed: the client has no contacts, the domain was never looked up.
	check("filed", want{label: "Requirement filed", owner: "Project owner", href: reqPage + "#readiness",
		linkText: "See the red checklist items", readiness: "Not ready", notReady: true})
	if _, page := br.get(reqPage); byTestID(t, page, "readiness").id != "readiness" {
		t.Error("the step link's #readiness anchor has no target")
	}

	resp, body := b.api("POST", "/api/v1/requirements/"+rid+"/csrs", tok, `{"key_type":"ecdsa-p256"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("CSR: %d %s", resp.StatusCode, body)
	}
	var c csrResponse
	decodeInto(t, body, &c)
	check("CSR made", want{label: "CSR ready", owner: "Project owner", href: "/orders/new?requirement_id=" + rid,
		linkText: "Place an order", readiness: "Not ready", notReady: true})
	_, csrPage := br.get(fmt.Sprintf("/csrs/%d", c.ID))
	if next := byTestID(t, csrPage, "next-step-link"); next.href != "/orders/new?requirement_id="+rid || next.text != "place an order" {
		t.Errorf("the CSR page's next step is %q → %q, want place an order → /orders/new?requirement_id=%s", next.text, next.href, rid)
	}
	if next := byTestID(t, csrPage, "next-step"); !strings.HasPrefix(next.text, "Next:") {
		t.Errorf("the CSR page's next step reads %q", next.text)
	}

	var orderID int64
	if err := b.srv.pool.QueryRow(ctx, `INSERT INTO orders (requirement_id, csr_id, provider, product, period_years, state, submitted_at)
		VALUES ($1, $2, 'manual', 'sslwebserver', 1, 'pending', $3) RETURNING id`, reqID, c.ID, time.Now()).Scan(&orderID); err != nil {
		t.Fatal(err)
	}
	check("ordered", want{label: "Verifying", owner: "Certificate authority", href: fmt.Sprintf("/orders/%d", orderID),
		linkText: "See the order", readiness: "Not ready", notReady: true})

	certID := installstest.Certificate(t, b.srv.pool, reqID, pki)
	cert := fmt.Sprintf("/certificates/%d", certID)
	check("issued", want{label: "Issued", owner: "Engineer", href: cert + "#installs",
		linkText: "Record the staging install", readiness: "blocks nothing"})
	if _, page := br.get(reqPage); !strings.Contains(page, "Checked before ordering") {
		t.Error("after issuance the checklist is not shown as history (Checked before ordering)")
	}
	_, certPage := br.get(cert)
	if next := byTestID(t, certPage, "next-step-link"); next.href != "#installs" || next.text != "record the staging install" {
		t.Errorf("the certificate page's next step is %q → %q, want record the staging install → #installs", next.text, next.href)
	}
	if byTestID(t, certPage, "installs").id != "installs" {
		t.Error("the certificate page has no #installs anchor for the install form")
	}
}

// TestAProjectWithARequirementLackingACertificateNearStagingIsNotOnTrack: one
// requirement's certificate does not cover another's lack of one.
func TestAProjectWithARequirementLackingACertificateNearStagingIsNotOnTrack(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	br := b.signedIn("po@agency.example", accounts.RolePO)
	reqID := installstest.Requirement(t, b.srv.pool, false, "www.example.com")
	installstest.Certificate(t, b.srv.pool, reqID, installstest.NewPKI(t, "www.example.com"))
	var projectID int64
	if err := b.srv.pool.QueryRow(ctx, `UPDATE projects p SET staging_on = $2 FROM requirements r
		WHERE r.id = $1 AND p.id = r.project_id RETURNING p.id`, reqID, b.clock.Now().AddDate(0, 0, 8)).Scan(&projectID); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/projects/%d", projectID)
	if _, page := br.get(path); !strings.Contains(byTestID(t, page, "sprint-one-flags").text, "On track") {
		t.Fatalf("with every requirement certified the project is not on track: %q", byTestID(t, page, "sprint-one-flags").text)
	}
	if _, err := b.srv.pool.Exec(ctx, `INSERT INTO requirements (project_id, hostnames) VALUES ($1, '{api.example.com}')`, projectID); err != nil {
		t.Fatal(err)
	}
	_, page := br.get(path)
	flags := byTestID(t, page, "sprint-one-flags").text
	if strings.Contains(flags, "On track") || !strings.Contains(flags, "no certificate is issued") {
		t.Errorf("a requirement without a certificate 8 days before staging: the project says %q", flags)
	}
}
