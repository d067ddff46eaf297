package bundletest

import "bytes"

// BERBomb is the PKCS#7 "BER bomb" of size bytes or just under: SEQUENCEs of
// indefinite length nested as deep as the size allows around an empty OCTET
// STRING, each closed by its end-of-contents marker (30 80 ... 04 00 00 00
// ...). Unguarded, smallstep/pkcs7's BER-to-DER conversion spends time
// quadratic in the depth on it: 21 s for 320 KB, minutes for 1 MiB.
func BERBomb(size int) []byte {
	n := (size - 2) / 4
	out := bytes.Repeat([]byte{0x30, 0x80}, n)
	out = append(out, 0x04, 0x00)
	return append(out, bytes.Repeat([]byte{0x00, 0x00}, n)...)
}
