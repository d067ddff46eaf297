package opensrs

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// cancelReply is the cancel_order reply from the service's documentation,
// with the PHP toolkit's extra header fields and mixed indentation.
const cancelReply = `<?xml version='1.0' encoding='UTF-8' standalone='no' ?>
<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>
<OPS_envelope>
 <header>
  <version>0.9</version>
  <msg_id>2.21765911726198</msg_id>
  <msg_type>standard</msg_type>
 </header>
 <body>
  <data_block>
   <dt_assoc>
    <item key="protocol">XCP</item>
    <item key="action">REPLY</item>
    <item key="object">TRUST_SERVICE</item>
    <item key="response_text">Command completed successfully.</item>
    <item key="is_success">1</item>
    <item key="response_code">200</item>
    <item key="attributes">
     <dt_assoc>
      <item key="domain">example.org</item>
      <item key="order_id">578</item>
      <item key="state">cancelled</item>
     </dt_assoc>
    </item>
   </dt_assoc>
  </data_block>
 </body>
</OPS_envelope>`

func TestUnmarshalReadsTheDocumentedCancelReply(t *testing.T) {
	t.Parallel()
	got, err := Unmarshal([]byte(cancelReply))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"protocol": "XCP", "action": "REPLY", "object": "TRUST_SERVICE",
		"response_text": "Command completed successfully.", "is_success": "1", "response_code": "200",
		"attributes": map[string]any{"domain": "example.org", "order_id": "578", "state": "cancelled"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
}

func TestMarshalWritesTheExactEnvelopeHead(t *testing.T) {
	t.Parallel()
	b, err := Marshal(map[string]any{"protocol": "XCP", "action": "cancel_order", "object": "trust_service",
		"attributes": map[string]any{"order_id": "578"}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		"<?xml version='1.0' encoding='UTF-8' standalone='no' ?>\n<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>\n<OPS_envelope>",
		"<header>\n  <version>0.9</version>\n </header>",
		"<body>\n  <data_block>",
		`<item key="action">cancel_order</item>`,
		`<item key="order_id">578</item>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("envelope lacks %q:\n%s", want, s)
		}
	}
}

func TestMarshalThenUnmarshalKeepsEveryShape(t *testing.T) {
	t.Parallel()
	csr := "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\r\nabc\n-----END CERTIFICATE REQUEST-----\n"
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"string scalar", "hello", "hello"},
		{"empty assoc", map[string]any{}, map[string]any{}},
		{"empty array", []any{}, []any{}},
		{"special characters", map[string]any{`k<&>"'`: `v<&>"' é 🙂 ` + "\t"}, map[string]any{`k<&>"'`: `v<&>"' é 🙂 ` + "\t"}},
		{"pem with CR and LF", map[string]any{"csr": csr}, map[string]any{"csr": csr}},
		{"whitespace-only and empty values", map[string]any{"a": "", "b": "  \n "}, map[string]any{"a": "", "b": "  \n "}},
		{"nested", map[string]any{"list": []any{"x", map[string]any{"y": []any{}}}},
			map[string]any{"list": []any{"x", map[string]any{"y": []any{}}}}},
		{"convenience types", map[string]any{"n": 2, "b": true, "s": []string{"a"}, "m": map[string]string{"k": "v"}},
			map[string]any{"n": "2", "b": "1", "s": []any{"a"}, "m": map[string]any{"k": "v"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Unmarshal(b)
			if err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestMarshalRefusesWhatXMLCannotCarry(t *testing.T) {
	t.Parallel()
	for name, v := range map[string]any{
		"NUL":          map[string]any{"a": "x\x00"},
		"invalid UTF8": map[string]any{"a": "\xff"},
		"func":         map[string]any{"a": func() {}},
		"nil":          map[string]any{"a": nil},
	} {
		if _, err := Marshal(v); err == nil {
			t.Errorf("%s: Marshal succeeded, want an error", name)
		}
	}
}

func TestUnmarshalTolerates(t *testing.T) {
	t.Parallel()
	wrap := func(head, data string) string {
		return head + `<OPS_envelope><header><version>0.9</version></header><body><data_block>` + data + `</data_block></body></OPS_envelope>`
	}
	tests := []struct {
		name string
		body string
		want any
	}{
		{"double-quoted declaration and no DOCTYPE", wrap(`<?xml version="1.0" encoding="UTF-8"?>`, `<dt_assoc><item key="a">1</item></dt_assoc>`), map[string]any{"a": "1"}},
		{"no declaration", wrap("", `<dt_assoc><item key='a'>1</item></dt_assoc>`), map[string]any{"a": "1"}},
		{"array items out of order and sparse", wrap("", `<dt_array><item key="2">c</item><item key="0">a</item></dt_array>`), []any{"a", "c"}},
		{"array items without keys", wrap("", `<dt_array><item>a</item><item>b</item></dt_array>`), []any{"a", "b"}},
		{"dt_scalar in an item", wrap("", `<dt_assoc><item key="a"><dt_scalar>x</dt_scalar></item></dt_assoc>`), map[string]any{"a": "x"}},
		{"top-level dt_scalar", wrap("", `<dt_scalar>x</dt_scalar>`), "x"},
		{"comments and CDATA", wrap("", `<!-- c --><dt_assoc><item key="a"><![CDATA[<b>]]></item></dt_assoc>`), map[string]any{"a": "<b>"}},
		{"upper-case element names", `<OPS_ENVELOPE><HEADER><VERSION>0.9</VERSION></HEADER><BODY><DATA_BLOCK><DT_ASSOC><ITEM KEY="a">1</ITEM></DT_ASSOC></DATA_BLOCK></BODY></OPS_ENVELOPE>`, map[string]any{"a": "1"}},
		{"latin-1", "<?xml version='1.0' encoding='ISO-8859-1'?>" + wrap("", "<dt_assoc><item key=\"a\">caf\xe9</item></dt_assoc>"), map[string]any{"a": "café"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Unmarshal([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestUnmarshalRefuses(t *testing.T) {
	t.Parallel()
	wrap := func(data string) string {
		return `<OPS_envelope><header><version>0.9</version></header><body><data_block>` + data + `</data_block></body></OPS_envelope>`
	}
	deep := strings.Repeat(`<dt_array><item key="0">`, 20) + "x" + strings.Repeat(`</item></dt_array>`, 20)
	tests := map[string]string{
		"empty":                  "",
		"not XML":                "hello",
		"no envelope":            `<dt_assoc></dt_assoc>`,
		"no body":                `<OPS_envelope><header/></OPS_envelope>`,
		"truncated":              wrap(`<dt_assoc><item key="a">1</item>`)[:60],
		"duplicate key":          wrap(`<dt_assoc><item key="a">1</item><item key="a">2</item></dt_assoc>`),
		"assoc item without key": wrap(`<dt_assoc><item>1</item></dt_assoc>`),
		"bad array index":        wrap(`<dt_array><item key="x">1</item></dt_array>`),
		"mixed content":          wrap(`<dt_assoc><item key="a">t<dt_assoc></dt_assoc></item></dt_assoc>`),
		"two values in an item":  wrap(`<dt_assoc><item key="a"><dt_assoc/><dt_assoc/></item></dt_assoc>`),
		"unknown element":        wrap(`<dt_hash></dt_hash>`),
		"undefined entity":       wrap(`<dt_assoc><item key="a">&xxe;</item></dt_assoc>`),
		"entity declaration":     `<!DOCTYPE OPS_envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + wrap(`<dt_assoc><item key="a">&xxe;</item></dt_assoc>`),
		"NUL by reference":       wrap(`<dt_assoc><item key="a">&#0;</item></dt_assoc>`),
		"too deep":               wrap(deep),
		"trailing element":       wrap(`<dt_assoc/>`) + `<x/>`,
		"too large":              wrap(`<dt_assoc><item key="a">` + strings.Repeat("x", MaxBodySize) + `</item></dt_assoc>`),
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Unmarshal([]byte(body))
			if !errors.Is(err, ErrEnvelope) {
				t.Errorf("got %v, want ErrEnvelope", err)
			}
		})
	}
}

func TestSignMatchesTheDocumentedConstruction(t *testing.T) {
	t.Parallel()
	sum := md5.Sum([]byte("ConnecttoOpenSRSviaSSL"))
	if got, want := hex.EncodeToString(sum[:]), "e787cc1d1951dfec4827cede7b1a0933"; got != want {
		t.Fatalf("md5 test vector: got %s, want %s", got, want)
	}
	body, key := []byte("<xml/>"), "0123456789abcdef"
	inner := md5.Sum(append(append([]byte{}, body...), key...))
	outer := md5.Sum([]byte(hex.EncodeToString(inner[:]) + key))
	if got, want := Sign(body, key), hex.EncodeToString(outer[:]); got != want {
		t.Errorf("Sign: got %s, want %s", got, want)
	}
	if got := Sign(body, key); got != strings.ToLower(got) || len(got) != 32 {
		t.Errorf("Sign: %q is not 32 lowercase hex digits", got)
	}
	if Sign(append(body, 0), key) == Sign(body, key) {
		t.Error("a trailing NUL did not change the signature")
	}
}

func TestFieldFromText(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Missing required field: csr":                                "csr",
		"Missing required field: contact_set.admin.title":            "contact_set.admin.title",
		"Missing Required Parameter 'approver_email'":                "approver_email",
		"Invalid value for field product_type: \"foo\" is not known": "product_type",
		"Field 'period' is invalid":                                  "period",
		"reg_type is required":                                       "reg_type",
		"Invalid command":                                            "",
		"Authentication Error.":                                      "",
		"Order 5 not found":                                          "",
	}
	for text, want := range tests {
		if got := fieldFromText(text); got != want {
			t.Errorf("fieldFromText(%q) = %q, want %q", text, got, want)
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(cancelReply))
	f.Add([]byte(`<OPS_envelope><header/><body><data_block><dt_array><item key="1">a</item><item>b</item></dt_array></data_block></body></OPS_envelope>`))
	f.Add([]byte(`<OPS_envelope><body><data_block><dt_scalar>&#xD;&amp;</dt_scalar></data_block></body></OPS_envelope>`))
	f.Add([]byte(`<OPS_envelope><body><data_block><dt_assoc><item key="x"><dt_assoc><item key="y"> </item></dt_assoc></item></dt_assoc></data_block></body></OPS_envelope>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := Unmarshal(body)
		if err != nil {
			return
		}
		again, err := Marshal(v)
		if err != nil {
			t.Fatalf("decoded %#v but cannot encode it: %v", v, err)
		}
		w, err := Unmarshal(again)
		if err != nil {
			t.Fatalf("re-encoded envelope does not decode: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(v, w) {
			t.Fatalf("round trip changed the value:\n got %#v\nwant %#v", w, v)
		}
	})
}
