// Package rating grades a TLS server the way SSL Labs does, from the findings of a local
// testssl.sh scan (Debian's testssl 3.0.8 does not grade by itself), and checks the server
// against Mozilla's "intermediate" configuration. It is pure: it reads testssl's JSON and
// does no I/O.
//
// The rules and where they come from. "Guide" is Qualys' SSL Server Rating Guide
// (github.com/ssllabs/research/wiki/SSL-Server-Rating-Guide, version 2009q of 2020-01-31
// and its 2009r TLS 1.3 update); "blog" are the SSL Labs grading-change posts on
// blog.qualys.com that the guide's Changes section points to.
//
// Numerical score (guide, sections 2–5):
//   - protocol support: SSL 2.0 0, SSL 3.0 80, TLS 1.0 90, TLS 1.1 95, TLS 1.2 100
//     (TLS 1.3 100); the average of the best and the worst protocol offered;
//   - key exchange: the weakest of the certificate key and the ephemeral DH/ECDH
//     parameters in RSA-equivalent bits (EC keys mapped with NIST SP 800-57):
//     <512 20, <1024 40, <2048 80, <4096 90, ≥4096 100; anonymous 0; export 40;
//   - cipher strength: 0 bits 0, <128 20, <256 80, ≥256 100; the average of the strongest
//     and the weakest cipher;
//   - score = 0.3 protocol + 0.3 key exchange + 0.4 cipher; a zero category gives zero;
//     letters: ≥80 A, ≥65 B, ≥50 C, ≥35 D, ≥20 E, else F.
//
// Caps (the guide's Changes section and the blog; only 2009q, 2009r and the 2017 posts were
// re-read while writing this, the other rules are from the guide as remembered, and each is
// one `add` call in RateFacts to change when the guide says otherwise):
//   - SSL 2.0 → F; SSL 3.0 → B, and → C when POODLE applies (2014-10 POODLE post);
//   - TLS 1.0 or TLS 1.1 → B (2009q, January 2020);
//   - no TLS 1.2 (nor 1.3) → C (blog 2017-01 "SSL Labs Grading Changes January 2017":
//     "We also apply the same penalty (C) to servers that don't support TLS 1.2");
//   - 3DES and other 64-bit block ciphers with TLS 1.1 or newer → C (same posts, SWEET32);
//     testssl's -e output has no protocol per cipher, so there any 64-bit cipher counts;
//   - RC4 → B, RC4 with TLS 1.1 or newer → C (RC4 posts of 2013–2015);
//   - no forward secrecy → B (blog 2018 grading changes; SSL Labs decides from its browser
//     handshake simulations, this package from whether any ephemeral (EC)DH suite is offered);
//   - no AEAD suite → B (the 2018/2020 grading-change plan; see the doubt below);
//   - export suites (FREAK, Logjam) → F; NULL or anonymous suites → F (score 0);
//   - certificate key or DH parameters under 1024 bits → F; DH 1024 → B (Logjam 2015);
//     certificate key under 2048-bit strength → B;
//   - Heartbleed, CCS injection (CVE-2014-0224), Ticketbleed, ROBOT, DROWN → F
//     ; insecure renegotiation (no RFC 5746) → F;
//   - TLS compression (CRIME) → C;
//   - MD5-signed certificate → F; SHA-1-signed certificate → T (browsers distrust it);
//   - missing TLS_FALLBACK_SCSV → A- (a warning: A at most A-).
//
// Trust (guide, section 1): an untrusted chain — incomplete chain, unknown root, expired —
// gives T and a name mismatch M, in place of the letter; GradeIgnoringTrust keeps the
// letter, as SSL Labs shows "if trust issues are ignored".
//
// A+: grade A, no warnings, and HSTS with max-age of at least 180 days.
//
// Doubtful or simplified, and why:
//   - the AEAD cap: SSL Labs announced "no AEAD → B" in its 2018 plan but applied only an
//     A- warning for a while; the brief for this package asks for B, which is what is coded;
//   - SSL Labs rates forward secrecy and weak suites from what its simulated browsers
//     negotiate; testssl lists what is offered, so a server that prefers strong suites but
//     still offers weak ones is graded more harshly here;
//   - testssl 3.0.8 files its SWEET32 result under the id CRIME_TLS; the CVE tells them apart.
package rating
