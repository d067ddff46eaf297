package acmetest

import (
	"context"
	"net"
	"strings"
	"testing"
)

func TestStartServesADirectoryRootsAndDNS(t *testing.T) {
	t.Parallel()
	ca := Start(t, Options{})
	resp, err := ca.Client.Get(ca.DirectoryURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := string(ca.IssuerPEM(t)); strings.Count(got, "BEGIN CERTIFICATE") != 2 {
		t.Fatalf("issuer PEM holds %d certificates, want root and intermediate", strings.Count(got, "BEGIN CERTIFICATE"))
	}
	ca.SetTXT(t, "_acme-challenge.a.test", "hello")
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, ca.DNSAddr)
	}}
	txt, err := r.LookupTXT(context.Background(), "_acme-challenge.a.test")
	if err != nil || len(txt) != 1 || txt[0] != "hello" {
		t.Fatalf("TXT = %v, %v; want [hello]", txt, err)
	}
}

func TestBinaryNamesTheInstallCommandWhenMissing(t *testing.T) {
	t.Parallel()
	_, err := Binary("pebble-not-there")
	if err == nil || !strings.Contains(err.Error(), "go install github.com/letsencrypt/pebble/v2/cmd/pebble-not-there@"+PebbleVersion) {
		t.Fatalf("err = %v, want the go install command", err)
	}
}
