package verifytest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// WHOISServer is an RFC 3912 server on 127.0.0.1: it reads one query line
// ending in CRLF, writes the answer for it, and closes the connection.
type WHOISServer struct {
	ln   net.Listener
	done chan struct{}
	wg   sync.WaitGroup

	mu      sync.Mutex
	answers map[string]string
	queries received
	delay   time.Duration
}

// NewWHOISServer starts a fake WHOIS server, closed when the test ends.
// Answers are keyed by query, compared without regard to case; unknown
// queries get Verisign's "No match for" text.
func NewWHOISServer(t testing.TB, answers map[string]string) *WHOISServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("verifytest: listen for WHOIS: %v", err)
	}
	s := &WHOISServer{ln: ln, done: make(chan struct{}), answers: map[string]string{}}
	for q, a := range answers {
		s.answers[strings.ToLower(q)] = a
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

// Addr is the server's host:port.
func (s *WHOISServer) Addr() string { return s.ln.Addr().String() }

// SetAnswer sets the answer to query.
func (s *WHOISServer) SetAnswer(query, answer string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[strings.ToLower(query)] = answer
}

// SetDelay makes the server wait d before answering.
func (s *WHOISServer) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Queries returns the queries received, without their CRLF, in order.
func (s *WHOISServer) Queries() []string { return s.queries.all() }

// Close stops the server and waits for open connections to finish.
func (s *WHOISServer) Close() {
	select {
	case <-s.done:
		return
	default:
	}
	close(s.done)
	s.ln.Close()
	s.wg.Wait()
}

func (s *WHOISServer) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(conn)
		}()
	}
}

func (s *WHOISServer) handle(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(conn, 1024)).ReadString('\n')
	if err != nil || !strings.HasSuffix(line, "\r\n") {
		return // RFC 3912 queries end in CRLF; anything else gets nothing
	}
	query := strings.TrimSuffix(line, "\r\n")
	s.queries.add(query)
	s.mu.Lock()
	answer, ok := s.answers[strings.ToLower(query)]
	delay := s.delay
	s.mu.Unlock()
	if !ok {
		answer = NoMatch(query)
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-s.done:
			return
		}
	}
	_, _ = io.WriteString(conn, strings.ReplaceAll(answer, "\n", "\r\n"))
}

const verisignFooter = `>>> Last update of whois database: 2026-11-23T10:15:02Z <<<

For more information on Whois status codes, please visit https://icann.org/epp

NOTICE: The expiration date displayed in this record is the date the
registrar's sponsorship of the domain name registration in the registry is
currently set to expire. This date does not necessarily reflect the expiration
date of the domain name registrant's agreement with the sponsoring
registrar.

TERMS OF USE: You are not authorized to access or query our Whois
database through the use of electronic processes that are high-volume and
automated except as reasonably necessary to register domain names or
modify existing registrations.
`

// NoMatch is Verisign's answer for an unregistered name.
func NoMatch(domain string) string {
	return fmt.Sprintf("No match for \"%s\".\n%s", strings.ToUpper(domain), verisignFooter)
}

// IANA is whois.iana.org's answer for a TLD, referring to server.
func IANA(tld, server string) string {
	return fmt.Sprintf(`%% IANA WHOIS server
%% for more information on IANA, visit http://www.iana.org
%% This query returned 1 object

refer:        %s

domain:       %s

organisation: VeriSign Global Registry Services
address:      12061 Bluemont Way
address:      Reston VA 20190
address:      United States of America (the)

status:       ACTIVE
remarks:      Registration information: http://www.verisigninc.com

created:      1985-01-01
changed:      2023-12-07
source:       IANA
`, server, strings.ToUpper(tld))
}

// VerisignThin is a thin registry record in Verisign's .com shape, with a
// referral to the registrar's WHOIS server.
func VerisignThin(domain, registrar, registrarWHOIS string, created, expires time.Time) string {
	return fmt.Sprintf(`   Domain Name: %s
   Registry Domain ID: 2336799_DOMAIN_COM-VRSN
   Registrar WHOIS Server: %s
   Registrar URL: http://www.registrar.example
   Updated Date: 2026-08-14T07:01:44Z
   Creation Date: %s
   Registry Expiry Date: %s
   Registrar: %s
   Registrar IANA ID: 376
   Registrar Abuse Contact Email: abuse@registrar.example
   Registrar Abuse Contact Phone: +1.2025551212
   Domain Status: clientDeleteProhibited https://icann.org/epp#clientDeleteProhibited
   Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited
   Name Server: NS1.EXAMPLE.NET
   Name Server: NS2.EXAMPLE.NET
   DNSSEC: unsigned
   URL of the ICANN Whois Inaccuracy Complaint Form: https://www.icann.org/wicf/
%s`, strings.ToUpper(domain), registrarWHOIS, created.UTC().Format(time.RFC3339),
		expires.UTC().Format(time.RFC3339), registrar, verisignFooter)
}

// Thick describes a registrar's thick record for RegistrarThick.
type Thick struct {
	Registrar       string
	RegistrantName  string
	RegistrantOrg   string
	RegistrantEmail string // may be a privacy text such as "Select Request Email Form at ..."
	AdminEmail      string
	Created         time.Time
	Expires         time.Time
}

// RegistrarThick is a registrar's thick record in the 2013 RAA layout.
func RegistrarThick(domain string, r Thick) string {
	return fmt.Sprintf(`Domain Name: %s
Registry Domain ID: 2336799_DOMAIN_COM-VRSN
Registrar WHOIS Server: whois.registrar.example
Registrar URL: http://www.registrar.example
Updated Date: 2026-08-14T07:01:44Z
Creation Date: %s
Registrar Registration Expiration Date: %s
Registrar: %s
Registrar IANA ID: 376
Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited
Registry Registrant ID: REDACTED FOR PRIVACY
Registrant Name: %s
Registrant Organization: %s
Registrant Street: 123 W Wacker Dr
Registrant City: Chicago
Registrant State/Province: IL
Registrant Postal Code: 60601
Registrant Country: US
Registrant Phone: +1.3125550100
Registrant Email: %s
Registry Admin ID: REDACTED FOR PRIVACY
Admin Name: Domain Administrator
Admin Organization: %s
Admin Email: %s
Name Server: NS1.EXAMPLE.NET
DNSSEC: unsigned
URL of the ICANN WHOIS Data Problem Reporting System: http://wdprs.internic.net/
>>> Last update of WHOIS database: 2026-11-23T10:15:02Z <<<
`, strings.ToUpper(domain), r.Created.UTC().Format(time.RFC3339), r.Expires.UTC().Format(time.RFC3339),
		r.Registrar, r.RegistrantName, r.RegistrantOrg, r.RegistrantEmail, r.RegistrantOrg, r.AdminEmail)
}

// Nominet is a .uk record in Nominet's indented block layout.
func Nominet(domain, registrant string, registered, expires time.Time) string {
	return fmt.Sprintf(`
    Domain name:
        %s

    Data validation:
        Nominet was able to match the registrant's name and address against a 3rd party data source on 23-Oct-2017

    Registrant:
        %s

    Registrant type:
        UK Limited Company, (Company number: 01234567)

    Registrar:
        123-Reg Limited t/a 123-reg [Tag = 123-REG]
        URL: http://www.123-reg.co.uk

    Relevant dates:
        Registered on: %s
        Expiry date:  %s
        Last updated:  29-Jun-2026

    Registration status:
        Registered until expiry date.

    Name servers:
        ns.123-reg.co.uk          212.67.202.2

    WHOIS lookup made at 09:41:55 23-Nov-2026

-- 
This WHOIS information is provided for free by Nominet UK the central registry
for .uk domain names.
`, domain, registrant, registered.Format("02-Jan-2006"), expires.Format("02-Jan-2006"))
}

// RIPN is a .ru record in RIPN's layout, with paid-till as the expiry.
func RIPN(domain, org string, created, paidTill time.Time) string {
	return fmt.Sprintf(`%% TCI Whois Service. Terms of use:
%% https://tcinet.ru/documents/whois_ru_rf.pdf (in Russian)

domain:        %s
nserver:       ns1.example.ru.
state:         REGISTERED, DELEGATED, VERIFIED
org:           %s
taxpayer-id:   7700000000
registrar:     RU-CENTER-RU
admin-contact: https://www.nic.ru/whois
created:       %s
paid-till:     %s
free-date:     %s
source:        TCI

Last updated on 2026-11-23T10:16:30Z
`, strings.ToUpper(domain), org, created.UTC().Format(time.RFC3339), paidTill.UTC().Format(time.RFC3339),
		paidTill.AddDate(0, 1, 1).Format(time.DateOnly))
}
