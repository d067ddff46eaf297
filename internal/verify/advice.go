package verify

import (
	"fmt"
	"sort"
	"strings"
)

// Validation levels.
const (
	ValidationDV = "dv"
	ValidationOV = "ov"
	ValidationEV = "ev"
)

// AdviceInput is the part of a certificate requirement the advice reads.
type AdviceInput struct {
	Hostnames     []string
	PublicFacing  bool
	TakesPayments bool
	Validation    string // ValidationDV, ValidationOV or ValidationEV
}

// manyHostnames is how many internal names under one parent make a
// wildcard worth suggesting: from three, one wildcard costs less than
// separate names and needs one renewal instead of several.
const manyHostnames = 3

// Advice gives the runbook's advice for a requirement, one sentence each,
// in a stable order. It returns nil when there is nothing to add.
func Advice(req AdviceInput) []string {
	var advice []string
	hosts := normaliseHosts(req.Hostnames)
	var wildcards, plain []string
	for _, h := range hosts {
		if strings.HasPrefix(h, "*.") {
			wildcards = append(wildcards, h)
		} else {
			plain = append(plain, h)
		}
	}
	validation := strings.ToLower(strings.TrimSpace(req.Validation))

	// What each wildcard leaves out: it covers exactly one label.
	for _, w := range wildcards {
		base := strings.TrimPrefix(w, "*.")
		var deeper []string
		bareListed := false
		for _, h := range plain {
			switch {
			case h == base:
				bareListed = true
			case strings.HasSuffix(h, "."+base) && strings.Count(strings.TrimSuffix(h, "."+base), ".") > 0:
				if !coveredByOtherWildcard(h, wildcards) {
					deeper = append(deeper, h)
				}
			}
		}
		switch {
		case len(deeper) > 0 && !bareListed:
			advice = append(advice, fmt.Sprintf("%s covers one label only: it does not cover %s, nor the bare %s. List them as names of their own on the certificate if they are needed.",
				w, joinList(deeper), base))
		case len(deeper) > 0:
			advice = append(advice, fmt.Sprintf("%s covers one label only: it does not cover %s. List them as names of their own on the certificate, or get a wildcard for that level.",
				w, joinList(deeper)))
		case !bareListed:
			advice = append(advice, fmt.Sprintf("%s does not cover the bare %s: add %s as its own name if anyone will reach the service there.", w, base, base))
		}
	}

	if validation == ValidationEV && len(wildcards) > 0 {
		advice = append(advice, "EV certificates cannot be wildcards (CA/Browser Forum EV Guidelines): list each hostname, or choose OV for the wildcard.")
	}

	switch {
	case req.PublicFacing && req.TakesPayments:
		if len(wildcards) > 0 {
			advice = append(advice, "A public site that takes payments deserves its own certificate rather than a shared wildcard, so its key is not spread across other services.")
		}
		switch validation {
		case ValidationDV, "":
			advice = append(advice, "DV only proves control of the domain: for a site that takes payments choose OV, or EV so the CA vets the company more thoroughly and visitors can see who runs it.")
		case ValidationOV:
			advice = append(advice, "The site takes payments: the client may want to pay extra for an EV certificate, which shows the CA has vetted the company more thoroughly.")
		}
	case req.PublicFacing && len(wildcards) > 0:
		advice = append(advice, "The client may want a separate certificate for the public-facing site, rather than sharing the wildcard with internal services.")
	case !req.PublicFacing:
		advice = append(advice, suggestWildcards(plain, wildcards)...)
	}
	return advice
}

// suggestWildcards finds parents with many internal hostnames directly
// under them and no wildcard yet.
func suggestWildcards(plain, wildcards []string) []string {
	byParent := map[string][]string{}
	for _, h := range plain {
		dot := strings.IndexByte(h, '.')
		if dot < 0 || coveredByOtherWildcard(h, wildcards) {
			continue
		}
		parent := h[dot+1:]
		// A wildcard directly under a public suffix (*.co.uk) is not
		// something a CA will issue.
		if !strings.Contains(parent, ".") || icannSuffix(parent) == parent {
			continue
		}
		byParent[parent] = append(byParent[parent], h)
	}
	parents := make([]string, 0, len(byParent))
	for p, hs := range byParent {
		if len(hs) >= manyHostnames {
			parents = append(parents, p)
		}
	}
	sort.Strings(parents)
	var advice []string
	for _, p := range parents {
		advice = append(advice, fmt.Sprintf("%d internal hostnames sit under %s (%s): one wildcard *.%s is cheaper and easier to manage, and fine for non-public services.",
			len(byParent[p]), p, joinList(byParent[p]), p))
	}
	return advice
}

func coveredByOtherWildcard(h string, wildcards []string) bool {
	dot := strings.IndexByte(h, '.')
	if dot < 0 {
		return false
	}
	for _, w := range wildcards {
		if w == "*."+h[dot+1:] {
			return true
		}
	}
	return false
}

func normaliseHosts(hostnames []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, h := range hostnames {
		h = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
		if h == "" || seen[h] {
			continue
		}
		seen[h] = true
		out = append(out, h)
	}
	return out
}

func joinList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	case 2:
		return items[0] + " and " + items[1]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
