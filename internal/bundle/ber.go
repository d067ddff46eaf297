package bundle

import (
	"bytes"
	"errors"
	"fmt"
)

// Limits CheckBER applies. A real certs-only PKCS#7, even one in BER from
// Windows or Java, nests about a dozen levels deep and uses a handful of
// indefinite lengths: ContentInfo, its [0], SignedData, the certificate set.
const (
	// MaxBERDepth bounds nesting. The PKCS#7 parser re-encodes every level
	// into a fresh buffer, so its work is the input size times the depth.
	MaxBERDepth = 32
	// MaxBERIndefinite bounds the indefinite-length elements in one input.
	MaxBERIndefinite = 64
	// MaxBERIndefiniteChildren bounds the elements that sit directly inside
	// indefinite-length ones: after each, the parser searches the rest of
	// the input for the next end-of-contents marker (two zero bytes).
	MaxBERIndefiniteChildren = 256
	// MaxBERSearch bounds the bytes those searches cover in all: a real
	// bundle needs a few KiB, while 256 searches through a mebibyte each
	// would take a fifth of a second.
	MaxBERSearch = 4 << 20
)

// ErrBERTooComplex is the error CheckBER's refusals match with errors.Is.
var ErrBERTooComplex = errors.New("the PKCS#7 data is not well-formed or nests deeper than any certificate bundle")

// BERError says which rule of CheckBER the input broke and where.
type BERError struct {
	Offset int
	Reason string
}

func (e *BERError) Error() string {
	return fmt.Sprintf("%v (%s at byte %d)", ErrBERTooComplex, e.Reason, e.Offset)
}

func (e *BERError) Unwrap() error { return ErrBERTooComplex }

// CheckBER walks one BER or DER element in a single linear pass, without
// recursion, before any parser sees it: every length must lie within the
// input, indefinite lengths must belong to constructed elements and end with
// their end-of-contents marker, and nesting, indefinite lengths and the
// elements inside them stay within the limits above. Those limits are what
// keep smallstep/pkcs7's BER-to-DER conversion, quadratic in the worst case,
// to a few milliseconds on any input that passes. Bytes after the element are
// left to the parser to judge.
func CheckBER(data []byte) error {
	type frame struct {
		end        int // where a definite-length element ends; -1 for indefinite
		indefinite bool
	}
	var (
		stack              []frame
		indefinite, inside int
		pos                int
		// searched adds up the parser's searches for "00 00"; nextMarker
		// is the next such pair at or after the last search's start, so the
		// accounting itself stays linear.
		searched   int
		nextMarker = -1
	)
	fail := func(reason string) error { return &BERError{Offset: pos, Reason: reason} }
	for {
		// Close every definite-length element that ends here.
		for len(stack) > 0 && !stack[len(stack)-1].indefinite && pos == stack[len(stack)-1].end {
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 && pos > 0 {
			return nil
		}
		limit := len(data)
		for i := len(stack) - 1; i >= 0; i-- {
			if !stack[i].indefinite {
				limit = stack[i].end
				break
			}
		}
		if len(stack) > 0 && stack[len(stack)-1].indefinite {
			if pos+2 > limit {
				return fail("indefinite length without its end-of-contents marker")
			}
			if data[pos] == 0 && data[pos+1] == 0 {
				pos += 2
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return nil
				}
				continue
			}
			inside++
			if inside > MaxBERIndefiniteChildren {
				return fail(fmt.Sprintf("more than %d elements inside indefinite lengths", MaxBERIndefiniteChildren))
			}
			if nextMarker < pos {
				nextMarker = len(data)
				if i := bytes.Index(data[pos:], []byte{0, 0}); i >= 0 {
					nextMarker = pos + i
				}
			}
			searched += nextMarker - pos
			if searched > MaxBERSearch {
				return fail("end-of-contents markers too far from the elements before them")
			}
		}
		if pos >= limit {
			return fail("element runs past the end of its container")
		}
		// Identifier octets.
		constructed := data[pos]&0x20 != 0
		if data[pos]&0x1f == 0x1f {
			n := 0
			for {
				pos++
				n++
				if pos >= limit || n > 4 {
					return fail("bad tag")
				}
				if data[pos]&0x80 == 0 {
					break
				}
			}
		}
		pos++
		// Length octets.
		if pos >= limit {
			return fail("missing length")
		}
		l := int(data[pos])
		pos++
		switch {
		case l == 0x80:
			if !constructed {
				return fail("indefinite length on a primitive element")
			}
			indefinite++
			if indefinite > MaxBERIndefinite {
				return fail(fmt.Sprintf("more than %d indefinite lengths", MaxBERIndefinite))
			}
			if len(stack) >= MaxBERDepth {
				return fail(fmt.Sprintf("nested deeper than %d levels", MaxBERDepth))
			}
			stack = append(stack, frame{end: -1, indefinite: true})
			continue
		case l > 0x80:
			n := l & 0x7f
			if n > 4 || pos+n > limit {
				return fail("bad length")
			}
			l = 0
			for range n {
				l = l<<8 | int(data[pos])
				pos++
			}
		}
		if l > limit-pos {
			return fail("length beyond the end of the data")
		}
		if !constructed || l == 0 {
			pos += l
			if len(stack) == 0 {
				return nil
			}
			continue
		}
		if len(stack) >= MaxBERDepth {
			return fail(fmt.Sprintf("nested deeper than %d levels", MaxBERDepth))
		}
		stack = append(stack, frame{end: pos + l})
	}
}
