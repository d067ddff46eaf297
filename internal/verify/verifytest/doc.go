// Package verifytest provides in-process RDAP and WHOIS servers that answer
// like real registries, so lookup code can be tested without the network:
// RFC 9083 JSON with RFC 9537 redactions, RFC 9224 bootstrap, and the
// free-text WHOIS shapes of Verisign, registrars, Nominet and RIPN.
package verifytest
