package bundle_test

import (
	"bytes"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/bundle"
	"github.com/certportal/certportal/internal/bundle/bundletest"
)

// nestedIndefinite is the BER bomb: n SEQUENCEs of indefinite length around
// an empty OCTET STRING, each closed by its end-of-contents marker.
func nestedIndefinite(n int) []byte {
	out := bytes.Repeat([]byte{0x30, 0x80}, n)
	out = append(out, 0x04, 0x00)
	return append(out, bytes.Repeat([]byte{0x00, 0x00}, n)...)
}

// nestedIndefiniteOfSize is the largest nestedIndefinite that fits in size.
func nestedIndefiniteOfSize(size int) []byte { return bundletest.BERBomb(size) }

// manyIndefiniteChildren is one indefinite-length SEQUENCE holding n empty
// OCTET STRINGs and then a long run without an end-of-contents marker: the
// parser searches that run after every child.
func manyIndefiniteChildren(n, tail int) []byte {
	out := []byte{0x30, 0x80}
	out = append(out, bytes.Repeat([]byte{0x04, 0x00}, n)...)
	out = append(out, 0x04, 0x83, byte(tail>>16), byte(tail>>8), byte(tail))
	out = append(out, bytes.Repeat([]byte{0x01}, tail)...)
	return append(out, 0x00, 0x00)
}

// nestedDefinite is n SEQUENCEs of definite length around an empty one.
func nestedDefinite(n int) []byte {
	out := []byte{0x30, 0x00}
	for range n {
		l := len(out)
		out = append([]byte{0x30, 0x84, byte(l >> 24), byte(l >> 16), byte(l >> 8), byte(l)}, out...)
	}
	return out
}

// toBER re-encodes a DER certs-only PKCS#7 as Windows and Java write it:
// ContentInfo, its [0] and the SignedData with indefinite lengths.
func toBER(t testing.TB, der []byte) []byte {
	t.Helper()
	var ci, explicit, sd asn1.RawValue
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		t.Fatal(err)
	}
	var oid asn1.RawValue
	rest, err := asn1.Unmarshal(ci.Bytes, &oid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := asn1.Unmarshal(rest, &explicit); err != nil {
		t.Fatal(err)
	}
	if _, err := asn1.Unmarshal(explicit.Bytes, &sd); err != nil {
		t.Fatal(err)
	}
	out := []byte{0x30, 0x80}
	out = append(out, oid.FullBytes...)
	out = append(out, 0xa0, 0x80, 0x30, 0x80)
	out = append(out, sd.Bytes...)
	return append(out, 0, 0, 0, 0, 0, 0)
}

func TestCheckBERPassesRealBundlesAndRefusesBombs(t *testing.T) {
	t.Parallel()
	p7der := read(t, bundletest.BundleP7BDER)
	block, _ := pem.Decode(read(t, bundletest.LeafCert))
	tests := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"an openssl DER p7b", p7der, true},
		{"the same p7b in BER with indefinite lengths", toBER(t, p7der), true},
		{"a certificate", block.Bytes, true},
		{"nesting to the depth limit", nestedIndefinite(bundle.MaxBERDepth - 1), true},
		{"definite nesting to the depth limit", nestedDefinite(bundle.MaxBERDepth - 1), true},
		{"trailing bytes are the parser's business", append(bytes.Clone(p7der), 0xff), true},
		{"the nested indefinite-length bomb", nestedIndefinite(80_000), false},
		{"nesting one past the depth limit", nestedIndefinite(bundle.MaxBERDepth + 1), false},
		{"definite nesting past the depth limit", nestedDefinite(bundle.MaxBERDepth + 1), false},
		{"too many elements inside an indefinite length", manyIndefiniteChildren(bundle.MaxBERIndefiniteChildren+1, 10), false},
		{"too many indefinite lengths side by side", append(append([]byte{0x30, 0x80}, bytes.Repeat([]byte{0x30, 0x80, 0x00, 0x00}, bundle.MaxBERIndefinite)...), 0, 0), false},
		{"an indefinite length without its end", []byte{0x30, 0x80, 0x04, 0x00}, false},
		{"an end-of-contents marker past its definite parent", []byte{0x30, 0x03, 0x30, 0x80, 0x00, 0x00}, false},
		{"an indefinite length on a primitive", []byte{0x04, 0x80, 0x00, 0x00}, false},
		{"a length beyond the data", []byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00}, false},
		{"a child longer than its parent", []byte{0x30, 0x02, 0x04, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00}, false},
		{"a five-byte length", []byte{0x04, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00}, false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := bundle.CheckBER(tt.data)
			if tt.ok && err != nil {
				t.Errorf("CheckBER: %v, want it accepted", err)
			}
			if !tt.ok && !errors.Is(err, bundle.ErrBERTooComplex) {
				t.Errorf("CheckBER: %v, want ErrBERTooComplex", err)
			}
		})
	}
}

func TestParseTakesAPKCS7InBER(t *testing.T) {
	t.Parallel()
	ber := toBER(t, read(t, bundletest.BundleP7BDER))
	certs, format, err := bundle.Parse(ber)
	if err != nil || format != bundle.FormatPKCS7DER || len(certs) != 3 {
		t.Fatalf("Parse(BER p7b) = %d certificates, %q, %v; want 3 from pkcs7-der", len(certs), format, err)
	}
}

// TestParseRefusesBERBombsAtOnce: before CheckBER, a 320 KB body of nested
// indefinite lengths cost 21 s of CPU and a 1 MiB one about four minutes.
func TestParseRefusesBERBombsAtOnce(t *testing.T) {
	t.Parallel()
	bomb := nestedIndefiniteOfSize(bundle.MaxInputSize)
	armoured := pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: nestedIndefiniteOfSize(bundle.MaxInputSize*48/65 - 1024)})
	for name, data := range map[string][]byte{
		"DER, 1 MiB":                         bomb,
		"PEM PKCS7 block, 1 MiB of text":     armoured,
		"many children, then a long run":     manyIndefiniteChildren(bundle.MaxBERIndefiniteChildren+1, bundle.MaxInputSize-4096),
		"PEM CMS block around a 64 KiB bomb": pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: nestedIndefiniteOfSize(64 << 10)}),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, _, err := bundle.Parse(data)
			// Generous for a loaded machine under -race; the unguarded parser
			// needs seconds for 64 KiB and minutes for 1 MiB.
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("Parse took %v", took)
			}
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte("nests deeper than any certificate bundle")) {
				t.Errorf("Parse: %v, want the pre-check's refusal", err)
			}
		})
	}
}

// FuzzCheckBER: the pre-check must never panic nor loop, must name an offset
// inside the input, and whatever it accepts the PKCS#7 parser must handle
// without panicking.
//
//	go test -run '^$' -fuzz FuzzCheckBER -fuzztime 20s ./internal/bundle/
func FuzzCheckBER(f *testing.F) {
	p7der := read(f, bundletest.BundleP7BDER)
	f.Add(p7der)
	f.Add(toBER(f, p7der))
	f.Add(nestedIndefinite(40))
	f.Add(nestedDefinite(40))
	f.Add(manyIndefiniteChildren(300, 16))
	f.Add([]byte{0x30, 0x80, 0x04, 0x00})
	f.Add([]byte{0x1f, 0x81, 0x80, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		err := bundle.CheckBER(data)
		if err != nil {
			var berErr *bundle.BERError
			if !errors.As(err, &berErr) || berErr.Offset < 0 || berErr.Offset > len(data) {
				t.Fatalf("CheckBER: %v, want a *BERError with an offset within %d bytes", err, len(data))
			}
			return
		}
		// Accepted: the same input with bytes after it is accepted too, and
		// the parser copes.
		if err := bundle.CheckBER(append(bytes.Clone(data), 0x30, 0x80)); err != nil {
			t.Fatalf("trailing bytes changed the verdict: %v", err)
		}
		_, _, _ = bundle.Parse(data)
	})
}

// BenchmarkParseWorstBERBody is intake's parse of the worst bodies an upload
// can carry: the largest nested-indefinite bomb Parse reads, the costliest
// shape the pre-check lets through, and a 2 MiB body (the HTTP limit).
//
//	go test -run '^$' -bench BenchmarkParseWorstBERBody -benchtime 20x ./internal/bundle/
func BenchmarkParseWorstBERBody(b *testing.B) {
	passing := worstAcceptedBER(b)
	for _, bm := range []struct {
		name string
		data []byte
	}{
		{"nested-indefinite-1MiB", nestedIndefiniteOfSize(bundle.MaxInputSize)},
		{"accepted-by-precheck-1MiB", passing},
		{"nested-indefinite-2MiB", nestedIndefiniteOfSize(2 << 20)},
		{"pem-nested-indefinite-1MiB", pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: nestedIndefiniteOfSize(bundle.MaxInputSize*48/65 - 1024)})},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(bm.data)))
			for b.Loop() {
				_, _, _ = bundle.Parse(bm.data)
			}
		})
	}
}

// worstAcceptedBER is about the costliest mebibyte CheckBER lets through:
// nesting to the depth limit (every level is copied again), then as many
// children of indefinite lengths as allowed, each followed by a search
// through a run of "00 01" (the slowest pattern for that search) as long as
// the search budget allows, then filler up to the input limit.
func worstAcceptedBER(tb testing.TB) []byte {
	tb.Helper()
	depth := bundle.MaxBERDepth - 1
	children := bundle.MaxBERIndefiniteChildren - depth - 8
	run := bundle.MaxBERSearch/(children+depth+2) - 2*children - 64
	var out []byte
	out = append(out, bytes.Repeat([]byte{0x30, 0x80}, depth)...)
	out = append(out, bytes.Repeat([]byte{0x04, 0x00}, children)...)
	out = append(out, 0x04, 0x83, byte(run>>16), byte(run>>8), byte(run))
	out = append(out, bytes.Repeat([]byte{0x01, 0x00}, run/2)...)
	out = append(out, bytes.Repeat([]byte{0x01}, run%2)...)
	filler := bundle.MaxInputSize - len(out) - 5 - 2*depth
	out = append(out, 0x04, 0x83, byte(filler>>16), byte(filler>>8), byte(filler))
	out = append(out, make([]byte, filler)...)
	out = append(out, bytes.Repeat([]byte{0x00, 0x00}, depth)...)
	if err := bundle.CheckBER(out); err != nil {
		tb.Fatalf("the worst accepted input is refused: %v", err)
	}
	if len(out) != bundle.MaxInputSize {
		tb.Fatalf("the worst accepted input is %d bytes, want %d", len(out), bundle.MaxInputSize)
	}
	return out
}
