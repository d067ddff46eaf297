// Package static holds the portal's stylesheet and the little JavaScript there is,
// embedded into the binary (no CDN: the portal runs on closed networks).
package static

import "embed"

// FS holds the files served under /static/.
//
//go:embed *.css *.js *.svg
var FS embed.FS
