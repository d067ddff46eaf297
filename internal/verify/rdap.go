package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The RDAP types below decode only the part of RFC 9083 the checklist uses.
// Decoding it here, rather than through openrdap's Domain type, keeps the
// RFC 9537 "redacted" array (which openrdap's struct drops) and tolerates the
// loosely typed vCard values registries send (strings, arrays, numbers).

type rdapDomain struct {
	ObjectClassName string       `json:"objectClassName"`
	LDHName         string       `json:"ldhName"`
	UnicodeName     string       `json:"unicodeName"`
	Entities        []rdapEntity `json:"entities"`
	Events          []rdapEvent  `json:"events"`
	Status          []string     `json:"status"`
	Redacted        []rdapRedact `json:"redacted"`
	ErrorCode       int          `json:"errorCode"`
	Title           string       `json:"title"`
	Description     []string     `json:"description"`
}

type rdapEntity struct {
	Roles      []string        `json:"roles"`
	VCardArray json.RawMessage `json:"vcardArray"`
	Entities   []rdapEntity    `json:"entities"`
}

type rdapEvent struct {
	EventAction string `json:"eventAction"`
	EventDate   string `json:"eventDate"`
}

type rdapRedact struct {
	Name struct {
		Description string `json:"description"`
		Type        string `json:"type"`
	} `json:"name"`
}

// vcard holds the few jCard (RFC 7095) properties we read.
type vcard struct {
	fn, org, email, kind string
}

func parseVCard(raw json.RawMessage) vcard {
	var v vcard
	// ["vcard", [[name, params, type, value...], ...]]
	var outer []json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &outer) != nil || len(outer) < 2 {
		return v
	}
	var props [][]json.RawMessage
	if json.Unmarshal(outer[1], &props) != nil {
		return v
	}
	for _, p := range props {
		if len(p) < 4 {
			continue
		}
		var name string
		if json.Unmarshal(p[0], &name) != nil {
			continue
		}
		value := jcardText(p[3:])
		switch strings.ToLower(name) {
		case "fn":
			if v.fn == "" {
				v.fn = value
			}
		case "org":
			if v.org == "" {
				v.org = value
			}
		case "email":
			if v.email == "" {
				v.email = strings.TrimPrefix(value, "mailto:")
			}
		case "kind":
			v.kind = strings.ToLower(value)
		}
	}
	return v
}

// jcardText flattens a jCard value, which may be a string, a list of
// structured components, or (wrongly, but seen) a number, into one line.
func jcardText(values []json.RawMessage) string {
	var parts []string
	for _, raw := range values {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			parts = append(parts, s)
			continue
		}
		var list []any
		if json.Unmarshal(raw, &list) == nil {
			for _, item := range list {
				if s, ok := item.(string); ok && s != "" {
					parts = append(parts, s)
				}
			}
			continue
		}
		parts = append(parts, strings.Trim(string(raw), `"`))
	}
	return strings.TrimSpace(strings.Join(parts, " "))
}

// ParseRDAP reads an RFC 9083 domain object into a Registration. It fills
// what the answer holds; Source, Server and FetchedAt are the caller's.
func ParseRDAP(body []byte) (*Registration, error) {
	var d rdapDomain
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("verify: parse RDAP answer: %w", err)
	}
	if d.ErrorCode == 404 {
		return nil, ErrNotFound
	}
	if d.ObjectClassName != "" && d.ObjectClassName != "domain" {
		return nil, fmt.Errorf("verify: parse RDAP answer: got a %q object, not a domain", d.ObjectClassName)
	}
	name := d.LDHName
	if name == "" {
		name = d.UnicodeName
	}
	if name == "" {
		return nil, errors.New("verify: parse RDAP answer: no domain name in it")
	}
	reg := &Registration{
		Domain:  strings.TrimSuffix(strings.ToLower(name), "."),
		RawSize: len(body),
	}
	for _, s := range d.Status {
		if s = strings.TrimSpace(s); s != "" {
			reg.Statuses = append(reg.Statuses, s)
		}
	}
	for _, e := range d.Events {
		t, ok := parseRDAPDate(e.EventDate)
		if !ok {
			continue
		}
		switch strings.ToLower(e.EventAction) {
		case "registration":
			if reg.Created == nil {
				reg.Created = &t
			}
		case "expiration":
			reg.Expires = &t
		case "registrar expiration":
			// ICANN's profile lets registrars add their own date; the
			// registry's "expiration" is authoritative when both exist.
			if reg.Expires == nil {
				reg.Expires = &t
			}
		}
	}
	registrantSeen := false
	walkEntities(d.Entities, 0, func(roles []string, v vcard) {
		for _, role := range roles {
			switch strings.ToLower(role) {
			case "registrant":
				registrantSeen = true
				org := v.org
				if org == "" && v.kind == "org" {
					org = v.fn
				}
				setOnce(&reg.RegistrantOrg, org)
				if v.kind != "org" {
					setOnce(&reg.RegistrantName, v.fn)
				}
				setOnce(&reg.RegistrantEmail, v.email)
			case "administrative":
				setOnce(&reg.AdminEmail, v.email)
			case "registrar":
				setOnce(&reg.Registrar, v.fn)
			}
		}
	})
	for _, r := range d.Redacted {
		if r.Name.Description != "" {
			reg.addRedacted(r.Name.Description)
		} else {
			reg.addRedacted(r.Name.Type)
		}
	}
	reg.markPrivacy(registrantSeen)
	return reg, nil
}

// walkEntities visits nested entities too: registrars often list the
// registrant or admin contact inside their own entity. The depth cap keeps
// a hostile answer from recursing without end.
func walkEntities(es []rdapEntity, depth int, visit func([]string, vcard)) {
	if depth > 8 {
		return
	}
	for _, e := range es {
		visit(e.Roles, parseVCard(e.VCardArray))
		walkEntities(e.Entities, depth+1, visit)
	}
}

func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = strings.TrimSpace(v)
	}
}

func parseRDAPDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return saneDate(t.UTC())
		}
	}
	return time.Time{}, false
}

// saneDate rejects dates no registration can have, so a typo or a hostile
// answer never reaches the expiry rule as year 0 or 9999.
func saneDate(t time.Time) (time.Time, bool) {
	if y := t.Year(); y < 1985 || y > 2200 {
		return time.Time{}, false
	}
	return t, true
}
