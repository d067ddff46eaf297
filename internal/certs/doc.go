// Package certs is the portal's record of keys, CSRs and issued certificates for
// a requirement: it generates a key and CSR on the server (the key goes straight
// into the encrypted key store), takes CSRs made elsewhere ("key held outside"),
// takes in issued certificates in any format (checking they match the CSR's key,
// ordering the chain, saying what is missing), and hands out the downloads
// engineers install from, auditing every read of a private key.
//
// It builds on csrgen (keys and CSRs), keystore (sealed keys in PostgreSQL) and
// bundle (parsing, chains, exports); it knows no HTTP. Every method that changes
// something writes its audit record in the same transaction.
package certs
