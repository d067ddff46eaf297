package web

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/certportal/certportal/web/templates/pages"
	"github.com/certportal/certportal/web/templates/view"
)

// TestTheWordsBesideAStatusBadgeReachThePage: the words written after a
// status badge (a failed lookup's reason, a scan's status, an install's last
// check, a failing install's check time) are shown, not taken for the
// badge's children and dropped or printed as template source.
func TestTheWordsBesideAStatusBadgeReachThePage(t *testing.T) {
	t.Parallel()
	p := view.PageData{Title: "Page"}
	tests := []struct {
		name string
		page templ.Component
		want string
	}{
		{"a failed lookup's reason on the requirement page", pages.RequirementPage(p, pages.RequirementView{ID: 1, Hostnames: []string{"example.com"},
			Snapshots: []pages.SnapshotRow{{Domain: "example.com", Failed: true, Error: "WHOIS server 127.0.0.1:1 refused the connection"}}}),
			"Lookup failed WHOIS server 127.0.0.1:1 refused the connection"},
		{"the scan's status on its page", pages.ScanPage(p, pages.ScanView{ID: 1, InstallID: 2, Scanner: "testssl.sh", Status: "running", StatusTone: "amber"}),
			"Install · testssl.sh · running"},
		{"the last check on the install page", pages.InstallPage(p, pages.InstallView{ID: 2, Status: "green", StatusLabel: "Passed",
			CheckedAt: "2026-11-29 18:20", Trigger: "(on demand)"}),
			"Last check Passed 2026-11-29 18:20 (on demand)"},
		{"a failing install's check time on the dashboard", pages.DashboardPage(p, pages.Dashboard{FailedInstalls: []pages.DashboardItemRow{{
			Href: "/installs/2", Ref: "www.example.com", Status: "red", StatusLabel: "Failed", Number: "2026-11-29 18:20"}}}),
			"Failed 2026-11-29 18:20"},
	}
	tags := regexp.MustCompile(`<[^>]*>`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := tt.page.Render(context.Background(), &buf); err != nil {
				t.Fatal(err)
			}
			text := strings.Join(strings.Fields(tags.ReplaceAllString(buf.String(), " ")), " ")
			if !strings.Contains(text, tt.want) || strings.Contains(text, "@components") {
				t.Errorf("the page's text lacks %q (or shows template source):\n%s", tt.want, text)
			}
		})
	}
}

func TestLabeledNamesOnlyThePeopleAndAddressesThatAreSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"PO", "Pat Owner", "AM", "Amy Manager"}, "PO Pat Owner, AM Amy Manager"},
		{[]string{"PO", "", "AM", "Amy Manager"}, "AM Amy Manager"},
		{[]string{"registrant", "owner@example.com", "admin", ""}, "registrant owner@example.com"},
		{[]string{"PO", "", "AM", ""}, ""},
	}
	for _, tt := range tests {
		if got := labeled(tt.in...); got != tt.want {
			t.Errorf("labeled(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
