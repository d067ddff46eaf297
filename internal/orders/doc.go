// Package orders holds the agency's certificate work for clients: clients with their
// contacts and good-standing records, projects, certificate requirements with their
// domain-registration snapshots and readiness checklist, and (later) the orders placed
// for them. Types and their Validate methods know no HTTP; SQL lives in store_*.go.
package orders
