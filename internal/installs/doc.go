// Package installs records where an issued certificate is installed
// (environment, hostname, the addresses behind it) and checks each install
// live with internal/tlscheck, keeping every result with its time. It answers
// the staging gate: a requirement is "installed on staging" only when one of
// its certificates has a staging install whose last check passed, and a
// certificate is "in production" when a production install's last check
// passed. It knows no HTTP.
package installs
