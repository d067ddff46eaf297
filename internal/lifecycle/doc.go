// Package lifecycle follows issued certificates to their replacement: it plans
// each certificate's renewal (a reissue inside its subscription or a renewal
// order at the subscription's end, with a renew-by date from the lifetimes
// package and lead times measured from this portal's own orders), sends the
// reminders exactly once per threshold and recipient, escalates when the
// renew-by date passes with nothing under way, and starts the renewal or the
// reissue when someone asks.
package lifecycle
