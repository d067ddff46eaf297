package acme

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-acme/lego/v5/challenge"
	"github.com/go-acme/lego/v5/providers/dns/cloudflare"
	"github.com/go-acme/lego/v5/providers/dns/digitalocean"
	"github.com/go-acme/lego/v5/providers/dns/exec"
	"github.com/go-acme/lego/v5/providers/dns/httpreq"
	"github.com/go-acme/lego/v5/providers/dns/route53"
)

// legoProvider builds one lego DNS provider from a map of its environment
// variable names to values, never from the process environment.
type legoProvider struct {
	keys     []string // every key it takes
	required []string
	build    func(v map[string]string, client func(url string, privateCA bool) *http.Client) (challenge.Provider, error)
}

// Propagation is left to the portal (TXTVisible before answering), so the
// providers' own waits are short.
const providerTimeout = 2 * time.Minute

var legoProviders = map[string]legoProvider{
	"exec": {keys: []string{"EXEC_PATH", "EXEC_MODE"}, required: []string{"EXEC_PATH"},
		build: func(v map[string]string, _ func(string, bool) *http.Client) (challenge.Provider, error) {
			return exec.NewDNSProviderConfig(&exec.Config{Program: v["EXEC_PATH"], Mode: v["EXEC_MODE"],
				PropagationTimeout: providerTimeout, PollingInterval: time.Second})
		}},
	"httpreq": {keys: []string{"HTTPREQ_ENDPOINT", "HTTPREQ_MODE", "HTTPREQ_USERNAME", "HTTPREQ_PASSWORD"}, required: []string{"HTTPREQ_ENDPOINT"},
		build: func(v map[string]string, client func(string, bool) *http.Client) (challenge.Provider, error) {
			u, err := validURL(v["HTTPREQ_ENDPOINT"])
			if err != nil {
				return nil, err
			}
			return httpreq.NewDNSProviderConfig(&httpreq.Config{Endpoint: u, Mode: v["HTTPREQ_MODE"],
				Username: v["HTTPREQ_USERNAME"], Password: v["HTTPREQ_PASSWORD"],
				PropagationTimeout: providerTimeout, PollingInterval: time.Second, HTTPClient: client(u.String(), false)})
		}},
	"cloudflare": {keys: []string{"CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY", "CLOUDFLARE_DNS_API_TOKEN", "CLOUDFLARE_ZONE_API_TOKEN", "CLOUDFLARE_TTL"},
		required: []string{"CLOUDFLARE_DNS_API_TOKEN"},
		build: func(v map[string]string, client func(string, bool) *http.Client) (challenge.Provider, error) {
			cfg := cloudflare.NewDefaultConfig()
			cfg.AuthEmail, cfg.AuthKey = v["CLOUDFLARE_EMAIL"], v["CLOUDFLARE_API_KEY"]
			cfg.AuthToken, cfg.ZoneToken = v["CLOUDFLARE_DNS_API_TOKEN"], v["CLOUDFLARE_ZONE_API_TOKEN"]
			if ttl, err := strconv.Atoi(v["CLOUDFLARE_TTL"]); err == nil {
				cfg.TTL = ttl
			}
			cfg.HTTPClient = client("https://api.cloudflare.com/", false)
			return cloudflare.NewDNSProviderConfig(cfg)
		}},
	"digitalocean": {keys: []string{"DO_AUTH_TOKEN", "DO_TTL"}, required: []string{"DO_AUTH_TOKEN"},
		build: func(v map[string]string, client func(string, bool) *http.Client) (challenge.Provider, error) {
			cfg := digitalocean.NewDefaultConfig()
			cfg.AuthToken = v["DO_AUTH_TOKEN"]
			if ttl, err := strconv.Atoi(v["DO_TTL"]); err == nil {
				cfg.TTL = ttl
			}
			cfg.HTTPClient = client(cfg.BaseURL, false)
			return digitalocean.NewDNSProviderConfig(cfg)
		}},
	// Route 53 takes static keys only: never the portal's own AWS identity.
	"route53": {keys: []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_HOSTED_ZONE_ID"},
		required: []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"},
		build: func(v map[string]string, _ func(string, bool) *http.Client) (challenge.Provider, error) {
			cfg := route53.NewDefaultConfig()
			cfg.AccessKeyID, cfg.SecretAccessKey = v["AWS_ACCESS_KEY_ID"], v["AWS_SECRET_ACCESS_KEY"]
			cfg.Region, cfg.HostedZoneID = v["AWS_REGION"], v["AWS_HOSTED_ZONE_ID"]
			cfg.PropagationTimeout, cfg.PollingInterval = providerTimeout, time.Second
			return route53.NewDNSProviderConfig(cfg)
		}},
}

func legoProviderNames() []string {
	var out []string
	for k := range legoProviders {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
