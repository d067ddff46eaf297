package opensrs

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Unmarshal decodes an OPS envelope and returns the value of its data_block.
//
// It tolerates what real peers send: single or double quotes, any
// whitespace, extra header elements (msg_id, msg_type), dt_scalar wrappers,
// array items out of order or without keys, and ISO-8859-1 declared
// encodings. It refuses bodies over MaxBodySize, nesting over MaxDepth,
// entity declarations and anything that is not well-formed XML.
func Unmarshal(body []byte) (Value, error) {
	if len(body) > MaxBodySize {
		return nil, fmt.Errorf("%w: body is %d bytes, over the %d limit", ErrEnvelope, len(body), MaxBodySize)
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	d.Entity = nil // only the five predefined entities; DTDs are never fetched
	d.CharsetReader = charsetReader
	p := &parser{d: d}
	v, err := p.document()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEnvelope, err)
	}
	return v, nil
}

func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii":
		return &latin1Reader{r: bufio.NewReader(in)}, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", label)
}

// latin1Reader turns ISO-8859-1 bytes into UTF-8, which the PHP toolkit's
// parser is configured to emit and some older peers declare.
type latin1Reader struct {
	r   *bufio.Reader
	buf []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	for len(l.buf) == 0 {
		c, err := l.r.ReadByte()
		if err != nil {
			return 0, err
		}
		l.buf = utf8.AppendRune(l.buf[:0], rune(c))
	}
	n := copy(p, l.buf)
	l.buf = l.buf[n:]
	return n, nil
}

type parser struct {
	d     *xml.Decoder
	depth int
}

// next returns the next token that matters: comments and processing
// instructions are skipped, and whitespace-only text is reported as nil when
// skipSpace is set.
func (p *parser) next() (xml.Token, error) {
	for {
		tok, err := p.d.Token()
		if err != nil {
			if err == io.EOF {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
			continue
		case xml.Directive:
			// The DOCTYPE is a name only; an internal subset could declare
			// entities, which we refuse rather than ignore.
			if bytes.Contains(t, []byte("<!")) || bytes.Contains(bytes.ToUpper(t), []byte("ENTITY")) {
				return nil, errors.New("entity declarations are not allowed")
			}
			continue
		case xml.StartElement:
			p.depth++
			if p.depth > MaxDepth {
				return nil, fmt.Errorf("nesting deeper than %d", MaxDepth)
			}
			return t.Copy(), nil
		case xml.EndElement:
			p.depth--
			return t, nil
		case xml.CharData:
			return t.Copy(), nil
		}
	}
}

// nextElement skips whitespace and returns the next start or end element.
func (p *parser) nextElement() (xml.Token, error) {
	for {
		tok, err := p.next()
		if err != nil {
			return nil, err
		}
		if cd, ok := tok.(xml.CharData); ok {
			if len(bytes.TrimSpace(cd)) != 0 {
				return nil, fmt.Errorf("unexpected text %q", truncate(string(cd), 40))
			}
			continue
		}
		return tok, nil
	}
}

func is(name xml.Name, local string) bool { return strings.EqualFold(name.Local, local) }

func (p *parser) expectStart(local string) error {
	tok, err := p.nextElement()
	if err != nil {
		return err
	}
	se, ok := tok.(xml.StartElement)
	if !ok || !is(se.Name, local) {
		return fmt.Errorf("expected <%s>, found %s", local, describe(tok))
	}
	return nil
}

func (p *parser) expectEnd() error {
	tok, err := p.nextElement()
	if err != nil {
		return err
	}
	if _, ok := tok.(xml.EndElement); !ok {
		return fmt.Errorf("expected an end tag, found %s", describe(tok))
	}
	return nil
}

func (p *parser) document() (Value, error) {
	if err := p.expectStart("OPS_envelope"); err != nil {
		return nil, err
	}
	var (
		data    Value
		hasBody bool
	)
	for {
		tok, err := p.nextElement()
		if err != nil {
			return nil, err
		}
		if _, ok := tok.(xml.EndElement); ok {
			break
		}
		se := tok.(xml.StartElement)
		switch {
		case is(se.Name, "header"):
			if err := p.skip(); err != nil { // version, msg_id, msg_type: nothing we act on
				return nil, err
			}
		case is(se.Name, "body"):
			if hasBody {
				return nil, errors.New("more than one <body>")
			}
			hasBody = true
			if err := p.expectStart("data_block"); err != nil {
				return nil, err
			}
			if data, err = p.container(); err != nil {
				return nil, err
			}
			if err := p.expectEnd(); err != nil { // </data_block>
				return nil, err
			}
			if err := p.expectEnd(); err != nil { // </body>
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unexpected <%s> in envelope", se.Name.Local)
		}
	}
	if !hasBody {
		return nil, errors.New("no <body>")
	}
	// Only whitespace, comments and processing instructions may follow.
	for {
		tok, err := p.d.Token()
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, errors.New("text after the envelope")
			}
		case xml.Comment, xml.ProcInst:
		default:
			return nil, errors.New("content after the envelope")
		}
	}
}

// skip consumes the rest of the element whose start tag was just read.
func (p *parser) skip() error {
	for level := 1; level > 0; {
		tok, err := p.next()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			level++
		case xml.EndElement:
			level--
		}
	}
	return nil
}

// container reads one dt_assoc, dt_array or dt_scalar, start tag included.
func (p *parser) container() (Value, error) {
	tok, err := p.nextElement()
	if err != nil {
		return nil, err
	}
	se, ok := tok.(xml.StartElement)
	if !ok {
		return nil, fmt.Errorf("expected a value, found %s", describe(tok))
	}
	return p.containerBody(se)
}

func (p *parser) containerBody(se xml.StartElement) (Value, error) {
	switch {
	case is(se.Name, "dt_assoc"):
		return p.assoc()
	case is(se.Name, "dt_array"):
		return p.array()
	case is(se.Name, "dt_scalar"):
		return p.scalar()
	}
	return nil, fmt.Errorf("unexpected <%s> where a value belongs", se.Name.Local)
}

func itemKey(se xml.StartElement) (string, bool) {
	for _, a := range se.Attr {
		if a.Name.Space == "" && strings.EqualFold(a.Name.Local, "key") {
			return a.Value, true
		}
	}
	return "", false
}

// items reads <item> children up to the container's end tag and calls add
// for each.
func (p *parser) items(add func(key string, hasKey bool, v Value) error) error {
	for {
		tok, err := p.nextElement()
		if err != nil {
			return err
		}
		if _, ok := tok.(xml.EndElement); ok {
			return nil
		}
		se := tok.(xml.StartElement)
		if !is(se.Name, "item") {
			return fmt.Errorf("unexpected <%s> in a container", se.Name.Local)
		}
		key, hasKey := itemKey(se)
		if err := checkXMLString(key); err != nil {
			return err
		}
		v, err := p.itemValue()
		if err != nil {
			return err
		}
		if err := add(key, hasKey, v); err != nil {
			return err
		}
	}
}

// itemValue reads an item's content: either text, or exactly one container
// surrounded by whitespace.
func (p *parser) itemValue() (Value, error) {
	var (
		text strings.Builder
		val  Value
	)
	for {
		tok, err := p.next()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.StartElement:
			if val != nil {
				return nil, errors.New("item holds more than one value")
			}
			if val, err = p.containerBody(t); err != nil {
				return nil, err
			}
		case xml.EndElement:
			if val == nil {
				s := text.String()
				if err := checkXMLString(s); err != nil {
					return nil, err
				}
				return s, nil
			}
			if strings.TrimSpace(text.String()) != "" {
				return nil, errors.New("item mixes text and a container")
			}
			return val, nil
		}
	}
}

func (p *parser) scalar() (Value, error) {
	v, err := p.itemValue()
	if err != nil {
		return nil, err
	}
	if _, ok := v.(string); !ok {
		return nil, errors.New("dt_scalar holds a container")
	}
	return v, nil
}

func (p *parser) assoc() (Value, error) {
	m := map[string]any{}
	err := p.items(func(key string, hasKey bool, v Value) error {
		if !hasKey {
			return errors.New("dt_assoc item without a key")
		}
		if _, dup := m[key]; dup {
			return fmt.Errorf("duplicate key %q", truncate(key, 40))
		}
		m[key] = v
		return nil
	})
	return m, err
}

func (p *parser) array() (Value, error) {
	type entry struct {
		index int
		v     Value
	}
	var (
		entries []entry
		seen    = map[int]bool{}
	)
	err := p.items(func(key string, hasKey bool, v Value) error {
		i := len(entries)
		if hasKey {
			n, err := strconv.Atoi(strings.TrimSpace(key))
			if err != nil || n < 0 {
				return fmt.Errorf("dt_array item key %q is not an index", truncate(key, 40))
			}
			i = n
		}
		if seen[i] {
			return fmt.Errorf("duplicate array index %d", i)
		}
		seen[i] = true
		entries = append(entries, entry{i, v})
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Order by index; gaps close up, since OPS arrays are lists, not sparse maps.
	slices.SortStableFunc(entries, func(a, b entry) int { return a.index - b.index })
	out := make([]any, len(entries))
	for i, e := range entries {
		out[i] = e.v
	}
	return out, nil
}

func describe(tok xml.Token) string {
	switch t := tok.(type) {
	case xml.StartElement:
		return "<" + t.Name.Local + ">"
	case xml.EndElement:
		return "</" + t.Name.Local + ">"
	}
	return fmt.Sprintf("%T", tok)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// checkXMLString refuses characters that a character reference can smuggle
// past the XML decoder but that no XML document may carry, so that whatever
// Unmarshal returns Marshal can write back.
func checkXMLString(s string) error {
	for _, r := range s {
		if !isXMLChar(r) {
			return fmt.Errorf("character U+%04X is not allowed in XML", r)
		}
	}
	return nil
}
