// Package ssllabs is a client for the Qualys SSL Labs API v4, written from the API
// documentation (ssllabs/ssllabs-scan `ssllabs-api-docs-v4.md`) and the behaviour of the
// official client (`ssllabs-scan-v4.go`); see /work/shared/reference/protocols.md §2.
//
// An assessment is one `analyze?host=H&startNew=on&all=done`, then `analyze?host=H&all=done`
// every 5 s while the host is in `DNS` and every 10 s while it is `IN_PROGRESS`, until
// `READY` or `ERROR`. Every call carries the `email` header of the organisation registered
// for v4. The client honours the capacity headers (`X-Max-Assessments`,
// `X-Current-Assessments`) before it starts a new assessment, backs off and retries on 429,
// and sleeps 15–30 minutes on 503 (service down) and 529 (overloaded), as the documentation
// asks. Cancelling the context stops all of it.
//
// ERROR is a result, not a Go error: the host could not be assessed (no DNS, no TLS, ...)
// and the API said why in statusMessage. Go errors are for the client's own trouble:
// an unregistered email, a refused request, a broken answer, a cancelled context.
package ssllabs
