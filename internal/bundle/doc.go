// Package bundle turns whatever a certificate authority or a client sends back
// (PEM pasted from an email, a DER file, a .p7b) into an ordered chain that is
// known to belong to the key we generated, and writes that chain out in the
// forms engineers install: PEM files, PKCS#12, PKCS#7 and a zip with
// ready-to-edit nginx, Node.js and CloudFront snippets.
//
// The package is pure: it does no I/O, keeps no state between calls and never
// logs, so the web handlers, the background jobs and the tests can all call it
// the same way. Error messages are written for the person who pasted the
// input: they say what was wrong and what to do, and never echo key material.
package bundle
