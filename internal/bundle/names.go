package bundle

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"

	"github.com/certportal/certportal/internal/csrgen"
	"github.com/certportal/certportal/internal/textcheck"
)

// ErrUnsafeName is wrapped by CheckNames: a name in the certificate holds
// characters that no CA should write and that would break every place the
// name is shown or written (a line break in a comment of a generated script
// is a command).
var ErrUnsafeName = errors.New("the certificate's names hold control characters or line separators")

// CheckNames refuses certificates whose subject, issuer or alternative names
// carry control characters, invalid UTF-8 or U+2028/U+2029. crypto/x509
// parses such names without complaint; certificate intake calls this before
// anything is stored.
func CheckNames(certs ...*x509.Certificate) error {
	for _, c := range certs {
		if c == nil {
			continue
		}
		for _, n := range []struct {
			what string
			name pkix.Name
		}{{"subject", c.Subject}, {"issuer", c.Issuer}} {
			for _, atv := range n.name.Names {
				v := fmt.Sprint(atv.Value)
				if problem := textcheck.Line(v); problem != "" {
					return fmt.Errorf("bundle: check names: %w: the %s's %s %s", ErrUnsafeName, n.what, csrgen.AttributeShortName(atv.Type.String()), problem)
				}
			}
		}
		var sans []string
		sans = append(sans, c.DNSNames...)
		sans = append(sans, c.EmailAddresses...)
		for _, u := range c.URIs {
			sans = append(sans, u.String())
		}
		for _, san := range sans {
			if problem := textcheck.Line(san); problem != "" {
				return fmt.Errorf("bundle: check names: %w: the alternative name %q %s", ErrUnsafeName, san, problem)
			}
		}
	}
	return nil
}
