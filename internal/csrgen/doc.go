// Package csrgen makes the private key and certificate signing request (CSR)
// for a certificate order, and decodes CSRs (made here or pasted in by a user)
// into what `openssl req -text -noout -verify` would show.
//
// It is pure crypto: no files, no database, no logging. Private keys leave
// this package only as PKCS#8 DER bytes, which the caller hands straight to
// the keystore to be encrypted.
package csrgen
