package rating_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/certportal/certportal/internal/expect"
	"github.com/certportal/certportal/internal/rating"
)

// loadCapture reads a testssl --jsonfile capture from testdata (see testdata/README.txt).
func loadCapture(t testing.TB, name string) []rating.Finding {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name+".json.gz"))
	if err != nil {
		t.Fatalf("open capture: %v", err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("gunzip capture: %v", err)
	}
	data, err := io.ReadAll(z)
	if err != nil {
		t.Fatalf("read capture: %v", err)
	}
	findings, err := rating.ParseTestssl(data)
	if err != nil {
		t.Fatalf("ParseTestssl(%s): %v", name, err)
	}
	return findings
}

func rules(r rating.Report) []string {
	var out []string
	for _, rs := range r.Reasons {
		out = append(out, rs.Rule)
	}
	return out
}

func TestRateGradesRealNginxConfigurations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		capture          string
		wantGrade        string
		wantIgnoring     string
		wantRules        []string // must all be among the reasons
		wantNotRules     []string
		wantIntermediate bool
		wantModern       bool
	}{
		{capture: "modern", wantGrade: "A+", wantIgnoring: "A+", wantNotRules: []string{"hsts", "tls10", "no-aead"}, wantModern: true},
		{capture: "intermediate", wantGrade: "A", wantIgnoring: "A", wantRules: []string{"hsts"}, wantNotRules: []string{"tls10", "no-fs"}, wantIntermediate: true},
		{capture: "old", wantGrade: "B", wantIgnoring: "B", wantRules: []string{"tls10", "tls11"}, wantNotRules: []string{"3des", "no-tls12"}},
		{capture: "tls10only", wantGrade: "C", wantIgnoring: "C", wantRules: []string{"tls10", "no-tls12", "no-aead"}},
		{capture: "nointermediate", wantGrade: "T", wantIgnoring: "A", wantRules: []string{"untrusted"}, wantIntermediate: true},
	}
	for _, tt := range tests {
		t.Run(tt.capture, func(t *testing.T) {
			t.Parallel()
			r := rating.Rate(loadCapture(t, tt.capture))
			if r.Grade != tt.wantGrade || r.GradeIgnoringTrust != tt.wantIgnoring {
				t.Errorf("grade = %s (ignoring trust %s), want %s (%s); reasons: %v", r.Grade, r.GradeIgnoringTrust, tt.wantGrade, tt.wantIgnoring, r.Reasons)
			}
			got := rules(r)
			expect.Holds(t, fmt.Sprintf("reasons %v", got), func(rule string) bool { return slices.Contains(got, rule) }, tt.wantRules, tt.wantNotRules)
			if r.Mozilla.Intermediate != tt.wantIntermediate || r.Mozilla.Modern != tt.wantModern {
				t.Errorf("Mozilla intermediate=%v modern=%v, want %v %v; differences: %v",
					r.Mozilla.Intermediate, r.Mozilla.Modern, tt.wantIntermediate, tt.wantModern, r.Mozilla.Differences)
			}
			if !r.Mozilla.Intermediate && len(r.Mozilla.Differences) == 0 {
				t.Error("not intermediate but no difference listed")
			}
			for _, rs := range r.Reasons {
				if rs.Text == "" || rs.Fix == "" {
					t.Errorf("reason %q lacks text or fix: %+v", rs.Rule, rs)
				}
			}
		})
	}
}

// The rules one by one: each case changes one real capture the way a server would change
// and expects the grade the rule gives.
func TestRateAppliesEachRuleToARealCapture(t *testing.T) {
	t.Parallel()
	replace := func(id string, f func(*rating.Finding)) func([]rating.Finding) []rating.Finding {
		return func(fs []rating.Finding) []rating.Finding {
			for i := range fs {
				if fs[i].ID == id {
					f(&fs[i])
				}
			}
			return fs
		}
	}
	drop := func(id string) func([]rating.Finding) []rating.Finding {
		return func(fs []rating.Finding) []rating.Finding {
			return slices.DeleteFunc(fs, func(f rating.Finding) bool { return f.ID == id })
		}
	}
	// vulnerable marks the finding id VULNERABLE with the severity testssl gives it.
	vulnerable := func(id, severity string) func([]rating.Finding) []rating.Finding {
		return replace(id, func(f *rating.Finding) { f.Severity, f.Finding = severity, "VULNERABLE (NOT ok)" })
	}
	addCipher := func(id, line string) func([]rating.Finding) []rating.Finding {
		return func(fs []rating.Finding) []rating.Finding {
			return append(fs, rating.Finding{ID: id, Severity: "INFO", Finding: line})
		}
	}
	tests := []struct {
		name, base string
		change     func([]rating.Finding) []rating.Finding
		wantGrade  string
		wantRule   string
	}{
		{"modern without HSTS is A", "modern", drop("HSTS_time"), "A", "hsts"},
		{"short HSTS is not enough for A+", "modern", replace("HSTS_time", func(f *rating.Finding) {
			f.Finding = "90 days (=7776000 seconds) < 15552000 seconds"
		}), "A", "hsts"},
		{"Heartbleed is F", "intermediate", vulnerable("heartbleed", "CRITICAL"), "F", "vulnerable"},
		{"ROBOT is F", "intermediate", vulnerable("ROBOT", "HIGH"), "F", "vulnerable"},
		{"CCS injection is F", "intermediate", vulnerable("CCS", "HIGH"), "F", "vulnerable"},
		{"3DES with TLS 1.2 is C", "intermediate", addCipher("cipher-tls1_2_xa",
			"TLS 1.2   xa      DES-CBC3-SHA                      RSA        3DES        168      TLS_RSA_WITH_3DES_EDE_CBC_SHA"), "C", "3des"},
		{"RC4 with TLS 1.2 is C", "intermediate", addCipher("cipher-tls1_2_x5",
			"TLS 1.2   x5      RC4-SHA                           RSA        RC4         128      TLS_RSA_WITH_RC4_128_SHA"), "C", "rc4-modern"},
		{"RC4 with TLS 1.0 only is B", "old", addCipher("cipher-tls1_x5",
			"TLS 1   x5      RC4-SHA                           RSA        RC4         128      TLS_RSA_WITH_RC4_128_SHA"), "B", "rc4"},
		{"export ciphers are F", "intermediate", addCipher("cipher-tls1_2_x3",
			"TLS 1.2   x3      EXP-RC4-MD5                       RSA(512)   RC4         40       TLS_RSA_EXPORT_WITH_RC4_40_MD5"), "F", "export"},
		{"SSLv2 is F", "intermediate", replace("SSLv2", func(f *rating.Finding) { f.Finding = "offered (NOT ok)" }), "F", "sslv2"},
		{"SSLv3 is B", "intermediate", replace("SSLv3", func(f *rating.Finding) { f.Finding = "offered (NOT ok)" }), "B", "sslv3"},
		{"SSLv3 with POODLE is C", "intermediate", func(fs []rating.Finding) []rating.Finding {
			fs = replace("SSLv3", func(f *rating.Finding) { f.Finding = "offered (NOT ok)" })(fs)
			return replace("POODLE_SSL", func(f *rating.Finding) { f.Severity, f.Finding = "HIGH", "VULNERABLE (NOT ok), uses SSLv3+CBC" })(fs)
		}, "C", "poodle"},
		{"no forward secrecy is B", "intermediate", func(fs []rating.Finding) []rating.Finding {
			fs = slices.DeleteFunc(fs, func(f rating.Finding) bool { return strings.HasPrefix(f.ID, "cipher-") })
			fs = replace("PFS", func(f *rating.Finding) { f.Finding = "not offered" })(fs)
			return addCipher("cipher-tls1_2_x9c", "TLS 1.2   x9c     AES128-GCM-SHA256                 RSA        AESGCM      128      TLS_RSA_WITH_AES_128_GCM_SHA256")(fs)
		}, "B", "no-fs"},
		{"expired certificate is T", "intermediate", replace("cert_expirationStatus", func(f *rating.Finding) {
			f.Severity, f.Finding = "CRITICAL", "expired"
		}), "T", "expired"},
		{"name mismatch is M", "intermediate", replace("cert_trust", func(f *rating.Finding) {
			f.Severity, f.Finding = "HIGH", "certificate does not match supplied URI"
		}), "M", "mismatch"},
		{"RSA 1024 key is B", "intermediate", replace("cert_keySize", func(f *rating.Finding) { f.Finding = "RSA 1024 bits" }), "B", "small-key"},
		{"SWEET32 under the CRIME_TLS id is not CRIME", "intermediate", func(fs []rating.Finding) []rating.Finding {
			return append(fs, rating.Finding{ID: "CRIME_TLS", Severity: "LOW", CVE: "CVE-2016-2183 CVE-2016-6329",
				Finding: "VULNERABLE, uses 64 bit block ciphers"})
		}, "A", "hsts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := rating.Rate(tt.change(loadCapture(t, tt.base)))
			if r.Grade != tt.wantGrade {
				t.Errorf("grade = %s, want %s; reasons: %v", r.Grade, tt.wantGrade, r.Reasons)
			}
			if !slices.Contains(rules(r), tt.wantRule) {
				t.Errorf("reasons %v lack %q", rules(r), tt.wantRule)
			}
		})
	}
}

func TestReasonReadsAsWhatToChange(t *testing.T) {
	t.Parallel()
	r := rating.Rate(loadCapture(t, "old"))
	var got []string
	for _, rs := range r.Reasons {
		got = append(got, rs.String())
	}
	want := "TLS 1.0 is enabled: remove TLSv1 from ssl_protocols (caps the grade at B)"
	if !slices.Contains(got, want) {
		t.Errorf("reasons %q lack %q", got, want)
	}
}

func TestParseTestsslRefusesBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"too large", bytes.Repeat([]byte(" "), rating.MaxInputBytes+1), "over the"},
		{"too deep", []byte(strings.Repeat("[", 20) + strings.Repeat("]", 20)), "nested"},
		{"pretty JSON object instead of flat array", []byte(`{"scanResult":[]}`), "flat array"},
		{"finding without id", []byte(`[{"severity":"OK","finding":"x"}]`), "no id"},
		{"no findings", []byte(`[]`), "no findings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := rating.ParseTestssl(tt.data); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseTestssl err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestReadFactsParsesCipherLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id, line string
		want     rating.Cipher
	}{
		{"cipher-tls1_2_xc030", "TLS 1.2   xc030   ECDHE-RSA-AES256-GCM-SHA384       ECDH 253   AESGCM      256      TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
			rating.Cipher{Protocol: "TLSv1.2", Hex: "xc030", Name: "ECDHE-RSA-AES256-GCM-SHA384", IANA: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", Kx: "ECDH", KxBits: 253, Enc: "AESGCM", Bits: 256}},
		{"cipher-tls1_x2f", "TLS 1   x2f     AES128-SHA                        RSA        AES         128      TLS_RSA_WITH_AES_128_CBC_SHA",
			rating.Cipher{Protocol: "TLSv1", Hex: "x2f", Name: "AES128-SHA", IANA: "TLS_RSA_WITH_AES_128_CBC_SHA", Kx: "RSA", Enc: "AES", Bits: 128}},
		{"cipher_x9e", "x9e     DHE-RSA-AES128-GCM-SHA256         DH 2048    AESGCM      128      TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
			rating.Cipher{Hex: "x9e", Name: "DHE-RSA-AES128-GCM-SHA256", IANA: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", Kx: "DH", KxBits: 2048, Enc: "AESGCM", Bits: 128}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			fx := rating.ReadFacts([]rating.Finding{{ID: tt.id, Finding: tt.line}})
			if len(fx.Ciphers) != 1 || fx.Ciphers[0] != tt.want {
				t.Errorf("ciphers = %+v, want [%+v]", fx.Ciphers, tt.want)
			}
		})
	}
}

var validGrades = []string{"A+", "A", "A-", "B", "C", "D", "E", "F", "T", "M"}

func FuzzParseTestssl(f *testing.F) {
	for _, name := range []string{"modern", "old"} {
		fs := loadCapture(f, name)
		data, err := json.Marshal(fs)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`[{"id":"cipher-tls1_2_xc030","finding":"TLS 1.2 xc030 A ECDH x AESGCM 256 B"}]`))
	f.Add([]byte(`[{"id":"cert_keySize","finding":"EC 1 bits"},{"id":"TLS1","finding":"offered"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		findings, err := rating.ParseTestssl(data)
		if err != nil {
			return
		}
		r := rating.Rate(findings)
		if !slices.Contains(validGrades, r.Grade) || !slices.Contains(validGrades, r.GradeIgnoringTrust) {
			t.Fatalf("grade %q / %q is not a grade", r.Grade, r.GradeIgnoringTrust)
		}
		if r.Score < 0 || r.Score > 100 {
			t.Fatalf("score %d out of range", r.Score)
		}
	})
}
