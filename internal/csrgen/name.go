package csrgen

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"
)

// Attribute is one subject attribute as openssl names it.
type Attribute struct {
	Type  string // short name: "C", "ST", "L", "O", "OU", "CN", … or the dotted OID when unknown
	OID   string // dotted object identifier, e.g. "2.5.4.3"
	Value string
}

// Name is a subject in the order its attributes appear in the request.
type Name []Attribute

// String renders the name on one line the way the agency's runbook shows
// `openssl req -text` output: "C=US, ST=Illinois, L=Chicago, O=ExampleBiz LLC, CN=*.example.com".
// Commas, plus signs and backslashes inside values are escaped with a
// backslash so the line can be read back unambiguously.
func (n Name) String() string {
	var b strings.Builder
	for i, a := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.Type)
		b.WriteByte('=')
		b.WriteString(escapeValue(a.Value))
	}
	return b.String()
}

// Get returns the first value of the attribute with the given short name.
func (n Name) Get(typ string) string {
	for _, a := range n {
		if a.Type == typ {
			return a.Value
		}
	}
	return ""
}

func escapeValue(v string) string {
	if !strings.ContainsAny(v, `,+\`) {
		return v
	}
	var b strings.Builder
	for _, c := range v {
		if c == ',' || c == '+' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// AttributeShortName returns openssl's short name for the attribute types
// that appear in real CSRs and certificates (EV ones included), or the dotted
// OID.
func AttributeShortName(oid string) string {
	switch oid {
	case "2.5.4.3":
		return "CN"
	case "2.5.4.4":
		return "SN"
	case "2.5.4.5":
		return "serialNumber"
	case "2.5.4.6":
		return "C"
	case "2.5.4.7":
		return "L"
	case "2.5.4.8":
		return "ST"
	case "2.5.4.9":
		return "street"
	case "2.5.4.10":
		return "O"
	case "2.5.4.11":
		return "OU"
	case "2.5.4.12":
		return "title"
	case "2.5.4.15":
		return "businessCategory"
	case "2.5.4.17":
		return "postalCode"
	case "2.5.4.42":
		return "GN"
	case "1.2.840.113549.1.9.1":
		return "emailAddress"
	case "0.9.2342.19200300.100.1.1":
		return "UID"
	case "0.9.2342.19200300.100.1.25":
		return "DC"
	case "1.3.6.1.4.1.311.60.2.1.1":
		return "jurisdictionL"
	case "1.3.6.1.4.1.311.60.2.1.2":
		return "jurisdictionST"
	case "1.3.6.1.4.1.311.60.2.1.3":
		return "jurisdictionC"
	}
	return oid
}

func nameFromPKIX(n pkix.Name) Name {
	out := make(Name, 0, len(n.Names))
	for _, atv := range n.Names {
		out = append(out, attributeFrom(atv.Type, atv.Value))
	}
	return out
}

func attributeFrom(oid asn1.ObjectIdentifier, value any) Attribute {
	id := oid.String()
	typ := AttributeShortName(id)
	var v string
	switch x := value.(type) {
	case string:
		v = x
	default:
		v = fmt.Sprint(x)
	}
	return Attribute{Type: typ, OID: id, Value: v}
}
