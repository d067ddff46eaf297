//go:build pprof

package main

// Built with -tags pprof, the portal serves Go's profiles on 127.0.0.1:6060
// (PORTAL_PPROF_ADDR overrides) for measuring it under cmd/loadtest. The
// default build has no such listener.

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("PORTAL_PPROF_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	go func() { _ = http.ListenAndServe(addr, nil) }()
}
