# Certportal. `make run` serves the portal; `make test` runs the whole suite.
GO      ?= go
BIN     := bin/portal
PKGS    := ./...

.PHONY: run build test deps generate fmt vet bench fuzz clean

run: build
	./scripts/install-deps.sh --no-browser
	./$(BIN) serve

build:
	$(GO) build -o $(BIN) ./cmd/portal

# templ generate is a no-op when nothing changed; generated code is committed.
generate:
	$(GO) tool templ generate >/dev/null

deps:
	./scripts/install-deps.sh

test: deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 12m $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet $(PKGS)

# Benchmarks quoted in the README and the issue notes.
bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./internal/csrgen/ ./internal/keystore/ ./internal/bundle/ ./internal/certs/ ./internal/dashboard/ ./internal/web/ ./internal/opensrs/... ./internal/tlscheck/ ./internal/lifecycle/

# A short run of every fuzz target (go test -fuzz takes one target at a time).
FUZZTIME ?= 15s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin
