package verify

import (
	"fmt"
	"strings"
	"time"

	"github.com/certportal/certportal/internal/lifetimes"
)

// Item statuses.
const (
	Green = "green"
	Amber = "amber"
	Red   = "red"
)

// Good-standing statuses as recorded by the PO.
const (
	StandingGood    = "good"
	StandingNGS     = "ngs"
	StandingUnknown = "unknown"
)

// Checklist rule thresholds.
const (
	// StandingMaxAge is how old a good-standing check may be before it is
	// worth repeating: a company can lapse between sprint one and the order.
	StandingMaxAge = 90 * 24 * time.Hour
	// RegistrationMaxAge is how old a registration snapshot may be.
	RegistrationMaxAge = 30 * 24 * time.Hour
	// ExpiryMargin is how long the domain registration must outlive the
	// certificate issued today: the CA re-checks the domain, and renewing a
	// domain in the certificate's last month is a needless risk.
	ExpiryMargin = 30 * 24 * time.Hour
	// DefaultSubscriptionYears is assumed when no subscription period is chosen yet.
	DefaultSubscriptionYears = 2
)

// StandingStale reports whether a good-standing check made on checkedOn is too
// old to count as of now: the one rule behind the checklist and the client page.
func StandingStale(checkedOn, now time.Time) bool {
	return now.Sub(checkedOn) > StandingMaxAge
}

// ReadinessInput is everything the checklist rules read. The store fills
// it; the rules never touch the database.
type ReadinessInput struct {
	Client       ClientDetails
	GoodStanding *GoodStanding // latest record; nil when none is recorded
	Admin        Contact       // authorized company contact
	Billing      Contact       // the agency's billing contact
	Tech         Contact       // the engineer
	Domains      []DomainCheck // one per registrable domain, in display order
	// SubscriptionYears is the product period ordered (1 or 2 years); the
	// certificate inside it lasts at most the CA/Browser Forum maximum.
	// DefaultSubscriptionYears if 0.
	SubscriptionYears int
	Now               time.Time // the caller's clock; time.Now if zero
}

// ClientDetails is the organization information the CA verifies.
type ClientDetails struct {
	LegalName  string
	Address1   string
	City       string
	State      string
	PostalCode string
	Country    string // ISO 3166-1 alpha-2
	Phone      string
}

// GoodStanding is the latest check with the Secretary of State or other
// registering agency.
type GoodStanding struct {
	Status    string // StandingGood, StandingNGS or StandingUnknown
	CheckedOn time.Time
	Source    string // where it was checked, e.g. "Illinois SOS"
}

// Contact is one role of the order's contact set.
type Contact struct {
	Present  bool
	Verified bool
	Email    string
	// Agency: the agency's own billing contact, kept in its settings; nobody
	// verifies it per client, and it stands in for any client billing contact.
	Agency bool
}

// DomainCheck is the latest lookup of one registrable domain: a snapshot,
// or the error text of the failed lookup, or neither.
type DomainCheck struct {
	Name         string
	Registration *Registration
	LookupError  string
}

// Report is the readiness checklist.
type Report struct {
	Ready bool   `json:"ready"`
	Items []Item `json:"items"`
}

// Item is one checklist line.
type Item struct {
	Key    string `json:"key"`    // client_details, good_standing, contact_admin, ..., domain:<name>
	Status string `json:"status"` // Green, Amber or Red
	Reason string `json:"reason"` // a sentence the PO can act on
}

// Readiness applies the runbook's checks: the CA will not issue unless the
// company's details, good standing, contacts and domain registration all
// hold up. Ready means no item is red; amber items are worth a look but
// do not stop an order.
func Readiness(in ReadinessInput) Report {
	if in.SubscriptionYears <= 0 {
		in.SubscriptionYears = DefaultSubscriptionYears
	}
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	// The dates it names are UTC dates, as the portal stores them: a clock
	// read in a zone ahead of UTC must not move them a day on.
	in.Now = in.Now.UTC()
	items := []Item{
		clientDetailsItem(in.Client),
		goodStandingItem(in.GoodStanding, in.Now),
		contactItem("contact_admin", "admin", " (an authorized company contact)", in.Admin),
		contactItem("contact_billing", "billing", " (the agency's billing contact)", in.Billing),
		contactItem("contact_tech", "technical", " (the engineer)", in.Tech),
	}
	if len(in.Domains) == 0 {
		items = append(items, Item{Key: "domains", Status: Red,
			Reason: "No domain registration data: add the requirement's hostnames and look their domains up."})
	}
	for _, d := range in.Domains {
		items = append(items, domainItem(d, in.Client.LegalName, in.SubscriptionYears, in.Now))
	}
	ready := true
	for _, it := range items {
		if it.Status == Red {
			ready = false
		}
	}
	return Report{Ready: ready, Items: items}
}

// statesRequired lists countries whose postal addresses need a state or
// province; elsewhere the CA accepts an address without one.
var statesRequired = map[string]bool{"": true, "US": true, "CA": true, "AU": true}

func clientDetailsItem(c ClientDetails) Item {
	var missing []string
	add := func(v, what string) {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, what)
		}
	}
	add(c.LegalName, "legal name")
	add(c.Address1, "street address")
	add(c.City, "city")
	if statesRequired[strings.ToUpper(strings.TrimSpace(c.Country))] {
		add(c.State, "state")
	}
	add(c.PostalCode, "postal code")
	add(c.Country, "country")
	it := Item{Key: "client_details"}
	switch {
	case len(missing) > 0:
		it.Status = Red
		it.Reason = "The CA verifies the company's registered name and address; missing: " + strings.Join(missing, ", ") + "."
	case strings.TrimSpace(c.Phone) == "":
		it.Status = Amber
		it.Reason = "No company phone number: the CA may call to verify the organization, so add one."
	default:
		it.Status = Green
		it.Reason = "Legal name, address and phone are recorded."
	}
	return it
}

func goodStandingItem(g *GoodStanding, now time.Time) Item {
	it := Item{Key: "good_standing"}
	if g == nil || strings.TrimSpace(g.Status) == "" {
		it.Status = Red
		it.Reason = "No good-standing check recorded: check the company with the Secretary of State or other registering agency and record the result."
		return it
	}
	where := ""
	if g.Source != "" {
		where = " with " + g.Source
	}
	when := ""
	if !g.CheckedOn.IsZero() {
		when = " on " + g.CheckedOn.Format(time.DateOnly)
	}
	switch strings.ToLower(g.Status) {
	case StandingNGS:
		it.Status = Red
		it.Reason = fmt.Sprintf("The company is listed as Not Good Standing%s%s. The runbook: if a company is listed as \"NGS\" or \"Not Good Standing\", a certificate will not be issued. The client must restore its standing first.", where, when)
	case StandingGood:
		switch {
		case g.CheckedOn.IsZero():
			it.Status = Amber
			it.Reason = "Good standing is recorded without a date: check again and record when."
		case StandingStale(g.CheckedOn, now):
			it.Status = Amber
			it.Reason = fmt.Sprintf("Good standing was last checked%s%s, more than %d days ago: check again before ordering.", where, when, int(StandingMaxAge.Hours()/24))
		default:
			it.Status = Green
			it.Reason = fmt.Sprintf("In good standing%s%s.", where, when)
		}
	default:
		it.Status = Amber
		it.Reason = fmt.Sprintf("Good standing is unknown%s%s: ask the client to confirm with the registering agency.", where, when)
	}
	return it
}

func contactItem(key, role, who string, c Contact) Item {
	it := Item{Key: key}
	switch {
	case c.Agency:
		it.Status = Green
		it.Reason = fmt.Sprintf("The agency's own %s contact%s goes on every order (Settings → Billing contact); a client billing contact is not used while it is set.", role, emailSuffix(c.Email))
	case !c.Present:
		it.Status = Red
		it.Reason = fmt.Sprintf("No %s contact%s: the CA will not issue without verifiable contact information.", role, who)
	case !c.Verified:
		it.Status = Amber
		it.Reason = fmt.Sprintf("The %s contact%s is not verified yet: confirm the details with them before ordering.", role, emailSuffix(c.Email))
	default:
		it.Status = Green
		it.Reason = fmt.Sprintf("The %s contact%s is verified.", role, emailSuffix(c.Email))
	}
	return it
}

func emailSuffix(email string) string {
	if email == "" {
		return ""
	}
	return " (" + email + ")"
}

// rank orders statuses so an item shows its worst finding.
func rank(status string) int {
	switch status {
	case Red:
		return 2
	case Amber:
		return 1
	}
	return 0
}

func domainItem(d DomainCheck, legalName string, subscriptionYears int, now time.Time) Item {
	it := Item{Key: "domain:" + d.Name}
	r := d.Registration
	if r == nil {
		it.Status = Red
		if d.LookupError != "" {
			why := strings.TrimPrefix(d.LookupError, "verify: ")
			why = strings.TrimPrefix(why, "look up "+d.Name+": ")
			it.Reason = fmt.Sprintf("The registration lookup for %s failed: %s. Look it up again, or ask the client for the registrar's record.",
				d.Name, strings.TrimSuffix(why, "."))
		} else {
			it.Reason = fmt.Sprintf("No registration data for %s yet: run a lookup.", d.Name)
		}
		return it
	}
	status := Green
	var reasons []string
	flag := func(s, reason string) {
		if rank(s) > rank(status) {
			status = s
		}
		reasons = append(reasons, reason)
	}

	// Expiry: the CA re-checks the domain, and a certificate outliving the
	// registration is money spent on a name the client may lose. What counts is
	// the certificate that would be issued today, not the subscription: since
	// 2026-03-15 no certificate lasts as long as a 1- or 2-year subscription.
	cert := lifetimes.CertificateLifetime(now, subscriptionYears*12)
	needed := cert.NotAfter.Add(ExpiryMargin)
	subscriptionEnd := now.AddDate(subscriptionYears, 0, 0)
	switch {
	case r.Expires == nil && r.ExpiryUnread != "":
		flag(Amber, fmt.Sprintf("The registry's expiry line %q could not be read: confirm the expiry date with the client's registrar.", r.ExpiryUnread))
	case r.Expires == nil:
		flag(Amber, "The registration's expiry date is not published: confirm it with the client's registrar.")
	case r.Expires.Before(now):
		flag(Red, fmt.Sprintf("The domain registration expired on %s: renew the domain first.", r.Expires.Format(time.DateOnly)))
	case r.Expires.Before(needed):
		flag(Red, fmt.Sprintf("Domain registration expires %s: the certificate issued today for a %s subscription can last at most %s, until %s; the registration must outlive it by 30 days (to %s): renew the domain first.",
			r.Expires.Format(time.DateOnly), yearLong(subscriptionYears), cert.Describe(), cert.NotAfter.Format(time.DateOnly), needed.Format(time.DateOnly)))
	case r.Expires.Before(subscriptionEnd):
		// The certificates reissued later in the subscription need the domain too.
		flag(Amber, fmt.Sprintf("Domain registration expires %s, before the %s subscription ends (%s): the certificates reissued within it need the domain, so have the client renew it before then.",
			r.Expires.Format(time.DateOnly), yearLong(subscriptionYears), subscriptionEnd.Format(time.DateOnly)))
	}

	// Registrant: Thawte checks the organization owns the domain.
	registrant := r.RegistrantOrg
	if registrant == "" {
		registrant = r.RegistrantName
	}
	switch {
	case registrant == "":
		flag(Amber, "The registrant is redacted in the public record: the CA will check ownership another way, so be ready to show the client owns the domain.")
	case legalName != "" && !namesResemble(registrant, legalName):
		flag(Amber, fmt.Sprintf("The registrant %q does not look like the client's legal name %q: have the client update the registration or explain the link to the CA.", registrant, legalName))
	}

	// Verification mail: most CAs mail an address from the record.
	switch {
	case r.AdminEmail != "" || r.RegistrantEmail != "":
	case r.IsRedacted("Registrant") || r.IsRedacted("Admin"):
		flag(Amber, "No email address is published (redacted): the CA's verification mail will go to the registrar's relay, so make sure the client watches for it.")
	default:
		flag(Red, "No admin or registrant email in the registration data to receive the CA's verification mail: have the client add one at the registrar.")
	}

	for _, w := range r.Warnings {
		flag(Amber, w)
	}
	if r.Source == SourceManual {
		// Nobody asked a registry: the CA will, and may find otherwise.
		flag(Amber, fmt.Sprintf("Entered by hand by %s on %s from %s: the CA checks the registry itself, so make sure this matches it.",
			firstNonEmpty(r.EnteredBy, "someone"), r.FetchedAt.Format(time.DateOnly), firstNonEmpty(r.Evidence, "an unnamed source")))
	}

	if !r.FetchedAt.IsZero() && now.Sub(r.FetchedAt) > RegistrationMaxAge {
		flag(Amber, fmt.Sprintf("This registration data is from %s: look it up again before ordering.", r.FetchedAt.Format(time.DateOnly)))
	}

	if status == Green {
		who := registrant
		if who == "" {
			who = "the registrant"
		}
		reasons = append(reasons, fmt.Sprintf("Registered to %s until %s; verification mail can reach %s.",
			who, r.Expires.Format(time.DateOnly), firstNonEmpty(r.AdminEmail, r.RegistrantEmail)))
	}
	it.Status = status
	it.Reason = strings.Join(reasons, " ")
	return it
}

// yearLong is the adjective: "a 2-year subscription".
func yearLong(n int) string { return fmt.Sprintf("%d-year", n) }

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
