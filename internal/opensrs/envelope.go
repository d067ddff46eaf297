package opensrs

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Value is one node of an OPS data block: a string (every OPS scalar is a
// string on the wire), a map[string]any (dt_assoc) or a []any (dt_array).
// Unmarshal only ever produces those three; Marshal also accepts a few
// convenient Go types (see Marshal).
type Value = any

const (
	// MaxBodySize bounds an envelope in either direction. Real replies are a
	// few KiB; the largest (get_cert with CA certificates and PKCS#7) stays
	// far below this, so anything bigger is a fault, not data.
	MaxBodySize = 4 << 20
	// MaxDepth bounds element nesting. The deepest real message
	// (get_cert: envelope/body/data_block/assoc/item/assoc/item/array/item/assoc/item)
	// is about a dozen levels; the bound protects the recursive decoder.
	MaxDepth = 32
)

// ErrEnvelope marks a body that is not a well-formed OPS envelope.
var ErrEnvelope = errors.New("opensrs: malformed OPS envelope")

const envelopeHead = "<?xml version='1.0' encoding='UTF-8' standalone='no' ?>\n" +
	"<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>\n" +
	"<OPS_envelope>\n" +
	" <header>\n  <version>0.9</version>\n </header>\n" +
	" <body>\n  <data_block>\n"

const envelopeTail = "  </data_block>\n </body>\n</OPS_envelope>\n"

// Marshal encodes v as a complete OPS envelope whose data_block holds v.
//
// Accepted types: string, map[string]any, []any, and for convenience
// map[string]string, []string, []map[string]any, int, int64 and bool
// (encoded "1"/"0", as OPS does). Assoc keys are written in sorted order so
// that the same request always has the same bytes, and so the same signature.
// Strings must be valid UTF-8 made of characters XML 1.0 can carry.
func Marshal(v Value) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(envelopeHead)
	if s, ok := scalarString(v); ok {
		b.WriteString("   <dt_scalar>")
		if err := escapeText(&b, s); err != nil {
			return nil, err
		}
		b.WriteString("</dt_scalar>\n")
	} else if err := encodeValue(&b, v, 3, 0); err != nil {
		return nil, err
	}
	b.WriteString(envelopeTail)
	if b.Len() > MaxBodySize {
		return nil, fmt.Errorf("opensrs: encoded envelope is %d bytes, over the %d limit", b.Len(), MaxBodySize)
	}
	return b.Bytes(), nil
}

func scalarString(v Value) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case int:
		return strconv.Itoa(s), true
	case int64:
		return strconv.FormatInt(s, 10), true
	case bool:
		if s {
			return "1", true
		}
		return "0", true
	}
	return "", false
}

func encodeValue(b *bytes.Buffer, v Value, indent, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("opensrs: value nested deeper than %d", MaxDepth)
	}
	pad := strings.Repeat(" ", indent)
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(pad + "<dt_assoc>\n")
		for _, k := range keys {
			if err := encodeItem(b, k, t[k], indent+1, depth); err != nil {
				return err
			}
		}
		b.WriteString(pad + "</dt_assoc>\n")
	case map[string]string:
		m := make(map[string]any, len(t))
		for k, s := range t {
			m[k] = s
		}
		return encodeValue(b, m, indent, depth)
	case []any:
		b.WriteString(pad + "<dt_array>\n")
		for i, e := range t {
			if err := encodeItem(b, strconv.Itoa(i), e, indent+1, depth); err != nil {
				return err
			}
		}
		b.WriteString(pad + "</dt_array>\n")
	case []string:
		a := make([]any, len(t))
		for i, s := range t {
			a[i] = s
		}
		return encodeValue(b, a, indent, depth)
	case []map[string]any:
		a := make([]any, len(t))
		for i, m := range t {
			a[i] = m
		}
		return encodeValue(b, a, indent, depth)
	default:
		return fmt.Errorf("opensrs: cannot encode %T in an OPS envelope", v)
	}
	return nil
}

func encodeItem(b *bytes.Buffer, key string, v Value, indent, depth int) error {
	pad := strings.Repeat(" ", indent)
	b.WriteString(pad + `<item key="`)
	if err := escapeText(b, key); err != nil {
		return err
	}
	b.WriteString(`">`)
	if s, ok := scalarString(v); ok {
		if err := escapeText(b, s); err != nil {
			return &EncodeError{Path: key, Err: err}
		}
		b.WriteString("</item>\n")
		return nil
	}
	if v == nil {
		return &EncodeError{Path: key, Err: errors.New("nil value")}
	}
	b.WriteString("\n")
	if err := encodeValue(b, v, indent+1, depth+1); err != nil {
		var ee *EncodeError
		if errors.As(err, &ee) {
			ee.Path = key + "." + ee.Path
		}
		return err
	}
	b.WriteString(pad + "</item>\n")
	return nil
}

// EncodeError is a value Marshal cannot write into an envelope: a string
// with a character XML cannot carry, or invalid UTF-8. Path names the item
// it sits in, dotted from the data block down ("attributes.contact_set.admin.first_name").
type EncodeError struct {
	Path string
	Err  error
}

func (e *EncodeError) Error() string {
	return fmt.Sprintf("opensrs: item %q: %s", e.Path, strings.TrimPrefix(e.Err.Error(), "opensrs: "))
}

func (e *EncodeError) Unwrap() error { return e.Err }

// escapeText writes s escaped for both element text and a double-quoted
// attribute. Newlines and tabs stay literal in text (PEM blocks remain
// readable in logs of the raw exchange); CR is written as a reference because
// XML parsers fold a literal CR into LF.
func escapeText(b *bytes.Buffer, s string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Errorf("opensrs: string is not valid UTF-8 at byte %d", i)
			}
		}
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			if !isXMLChar(r) {
				return fmt.Errorf("opensrs: character U+%04X cannot be carried in XML", r)
			}
			b.WriteRune(r)
		}
	}
	return nil
}

// isXMLChar reports whether r is allowed in an XML 1.0 document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
