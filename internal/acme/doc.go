// Package acme is the portal's ACME side (RFC 8555, with lego v5's low-level
// client): accounts at ACME CAs (Let's Encrypt, a commercial CA with External
// Account Binding, a private CA), the way each client domain proves control
// (a lego DNS provider with sealed, write-only credentials; manual DNS; or
// HTTP-01 through the portal's public route), the ACME order behind a
// portal order, advanced one step per poll so that no call blocks for
// minutes, revocation, and ARI renewal (RFC 9773) of what it issued.
//
// Every secret (account keys, EAB HMAC keys, DNS credentials) is sealed in
// the key store and never leaves the package. internal/providers/acmeprovider
// maps this package's orders to orders.Provider; the package knows no HTTP
// handler and no order state.
package acme
