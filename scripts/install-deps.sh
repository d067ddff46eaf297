#!/usr/bin/env bash
# Installs what a clean Debian machine with Go lacks for building and testing the
# portal: PostgreSQL's server binaries, openssl, and for the tests Chromium (browser
# tests), nginx (the generated nginx snippet must pass `nginx -t`; install checks run
# against it) and testssl.sh (local TLS scans); and Pebble with pebble-challtestsrv, the
# test ACME CA the ACME tests start (installed with `go install`, pinned).
# As root it installs them with apt-get; otherwise it prints the command to run.
set -euo pipefail

# Pebble is a Go program: `go install` puts it in $(go env GOPATH)/bin, where the
# tests look for it when it is not in PATH.
pebble_version=v2.10.1
if command -v go >/dev/null 2>&1; then
  gobin="$(go env GOPATH)/bin"
  for cmd in pebble pebble-challtestsrv; do
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "$gobin/$cmd" ]; then
      echo "installing: $cmd $pebble_version" >&2
      go install "github.com/letsencrypt/pebble/v2/cmd/$cmd@$pebble_version"
    fi
  done
fi

missing=()
have_pg=false
for d in /usr/lib/postgresql/*/bin; do
  if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then have_pg=true; fi
done
command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1 && have_pg=true
$have_pg || missing+=(postgresql)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ "${1:-}" != "--no-browser" ]; then
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
  command -v testssl >/dev/null 2>&1 || missing+=(testssl.sh)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing: ${missing[*]}. Install with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# nginx is only used for `nginx -t` in tests: stop a server its package may have started.
if printf '%s\n' "${missing[@]}" | grep -qx nginx-light; then
  /usr/sbin/nginx -s stop 2>/dev/null || true
fi
# Debian's postgresql package starts a cluster of its own; the portal runs its own.
if printf '%s\n' "${missing[@]}" | grep -qx postgresql; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    for c in /etc/postgresql/*/main; do
      [ -d "$c" ] && pg_ctlcluster "$(basename "$(dirname "$c")")" main stop 2>/dev/null || true
    done
  fi
fi
