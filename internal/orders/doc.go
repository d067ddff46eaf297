// Package orders places and follows certificate orders: an order is drafted for a
// requirement with one of its CSRs, submitted to the provider exactly once, polled
// through the CA's verification on a business-day clock, and ends issued (its
// certificate stored through the certificates' intake), declined or cancelled.
// Clients and projects are read through their services. Types and their Validate
// methods know no HTTP; SQL lives in order_store.go.
package orders
