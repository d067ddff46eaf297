// Package opensrs is a client for the OpenSRS (Tucows) XML API, limited to
// the trust_service object through which Certportal buys Thawte certificates.
//
// The package has three layers:
//
//   - the OPS envelope codec (Marshal, Unmarshal): dt_assoc, dt_array and
//     string scalars mapped to map[string]any, []any and string;
//   - Client.Do, which signs a request (Sign), posts it and classifies what
//     went wrong so that a caller placing a paid order can tell "certainly
//     never sent" (NotSent) from "may have been processed" (OutcomeUnknown)
//     from "the service answered no" (*APIError);
//   - typed helpers for the trust_service actions the portal uses
//     (SWRegister, GetOrderInfo, GetCert, QueryApproverList, CancelOrder,
//     ResendApproveEmail, ParseCSR).
//
// The reseller key signs every request and must never leave the process:
// Client hides it from fmt, slog and every error this package returns.
//
// Package opensrstest holds an in-memory simulator of the service for tests
// and for development.
package opensrs
