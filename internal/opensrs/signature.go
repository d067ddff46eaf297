package opensrs

import (
	"crypto/md5"
	"encoding/hex"
)

// Sign returns the X-Signature for body: md5hex(md5hex(body+key)+key), in
// lowercase hex. The body must be the exact bytes sent; one extra byte
// (a trailing newline or NUL) gives a different signature and a 401.
//
// MD5 is what the service requires; it authenticates the reseller, it is not
// a choice of ours.
func Sign(body []byte, key string) string {
	h := md5.New()
	h.Write(body)
	h.Write([]byte(key))
	inner := hex.EncodeToString(h.Sum(nil))
	h.Reset()
	h.Write([]byte(inner))
	h.Write([]byte(key))
	return hex.EncodeToString(h.Sum(nil))
}
