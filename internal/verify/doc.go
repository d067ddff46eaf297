// Package verify answers "will the CA issue?" before an order is placed.
//
// It looks up a domain's registration data (RDAP first, WHOIS as the fallback
// the runbook relies on, since most CAs still mail the address found there),
// and turns the client's details, good-standing record, contacts and those
// registration snapshots into a green/amber/red readiness checklist. It also
// gives the runbook's advice on what kind of certificate a requirement needs.
//
// The rules are pure functions over plain structs so that the web layer, the
// background jobs and the tests can all call them without a database; only the
// lookup clients do network I/O.
package verify
