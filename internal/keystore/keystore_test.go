package keystore_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certportal/certportal/internal/keystore"
)

// masterKey returns an "id:base64" entry and its base64 text.
func masterKey(t testing.TB, id string) (entry, keyText string) {
	t.Helper()
	entry, err := keystore.NewMasterKey(id)
	if err != nil {
		t.Fatal(err)
	}
	_, keyText, _ = strings.Cut(entry, ":")
	return entry, keyText
}

// mustSeal is plaintext sealed by r for recordID; a refusal fails the test.
func mustSeal(t testing.TB, r *keystore.Ring, recordID int64, plaintext []byte) keystore.Sealed {
	t.Helper()
	s, err := r.Seal(recordID, plaintext)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ring(t testing.TB, entries ...string) *keystore.Ring {
	t.Helper()
	r, err := keystore.ParseMasterKeys(strings.Join(entries, ","))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pkcs8Sized is a stand-in for an RSA 2048 PKCS#8 key (about 1.2 KB).
func pkcs8Sized(t testing.TB) []byte {
	t.Helper()
	b := make([]byte, 1218)
	rand.Read(b)
	return b
}

func TestSealThenOpenGivesBackThePlaintext(t *testing.T) {
	t.Parallel()
	k1, _ := masterKey(t, "k1")
	r := ring(t, k1)
	plaintext := pkcs8Sized(t)

	s := mustSeal(t, r, 42, plaintext)
	if s.KEKID != "k1" || len(s.Nonce) != keystore.NonceSize || len(s.WrappedDEK) != 60 || len(s.Ciphertext) != len(plaintext)+16 {
		t.Errorf("Sealed has KEKID %q and lengths nonce %d, wrapped %d, ciphertext %d; want k1, 12, 60, %d",
			s.KEKID, len(s.Nonce), len(s.WrappedDEK), len(s.Ciphertext), len(plaintext)+16)
	}
	if bytes.Contains(s.Ciphertext, plaintext[:32]) {
		t.Error("the ciphertext contains the plaintext")
	}
	got, err := r.Open(42, s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plaintext) {
		t.Error("Open returned different bytes from those sealed")
	}

	again := mustSeal(t, r, 42, plaintext)
	if bytes.Equal(again.Ciphertext, s.Ciphertext) || bytes.Equal(again.WrappedDEK, s.WrappedDEK) {
		t.Error("sealing the same key twice gave the same ciphertext; data keys or nonces are not fresh")
	}
}

func TestOpenFailsForASealedKeyMovedToAnotherRecord(t *testing.T) {
	t.Parallel()
	k1, _ := masterKey(t, "k1")
	r := ring(t, k1)
	s := mustSeal(t, r, 42, []byte("secret key"))
	for _, other := range []int64{43, 4, 420, 1} {
		if _, err := r.Open(other, s); !errors.Is(err, keystore.ErrDecrypt) {
			t.Errorf("Open(%d) of a value sealed for 42 = %v, want ErrDecrypt", other, err)
		}
	}

	// Even with the data key re-wrapped for the new row, the ciphertext
	// itself is bound to record 42.
	s43 := mustSeal(t, r, 43, []byte("other key"))
	spliced := keystore.Sealed{KEKID: s43.KEKID, WrappedDEK: s43.WrappedDEK, Nonce: s.Nonce, Ciphertext: s.Ciphertext}
	if _, err := r.Open(43, spliced); !errors.Is(err, keystore.ErrDecrypt) {
		t.Errorf("Open of a ciphertext spliced into another row = %v, want ErrDecrypt", err)
	}
}

func TestOpenFailsWhenAnyByteIsChanged(t *testing.T) {
	t.Parallel()
	k1, _ := masterKey(t, "k1")
	r := ring(t, k1)
	s := mustSeal(t, r, 7, pkcs8Sized(t))
	flip := func(b []byte, i int) []byte {
		b = slices.Clone(b)
		b[i] ^= 0x80
		return b
	}
	tests := []struct {
		name   string
		change func(s keystore.Sealed) keystore.Sealed
	}{
		{"first ciphertext byte", func(s keystore.Sealed) keystore.Sealed { s.Ciphertext = flip(s.Ciphertext, 0); return s }},
		{"last ciphertext byte (the tag)", func(s keystore.Sealed) keystore.Sealed {
			s.Ciphertext = flip(s.Ciphertext, len(s.Ciphertext)-1)
			return s
		}},
		{"truncated ciphertext", func(s keystore.Sealed) keystore.Sealed { s.Ciphertext = s.Ciphertext[:len(s.Ciphertext)-1]; return s }},
		{"nonce", func(s keystore.Sealed) keystore.Sealed { s.Nonce = flip(s.Nonce, 3); return s }},
		{"short nonce", func(s keystore.Sealed) keystore.Sealed { s.Nonce = s.Nonce[:8]; return s }},
		{"wrap nonce", func(s keystore.Sealed) keystore.Sealed { s.WrappedDEK = flip(s.WrappedDEK, 0); return s }},
		{"wrapped key", func(s keystore.Sealed) keystore.Sealed { s.WrappedDEK = flip(s.WrappedDEK, 20); return s }},
		{"wrapped key tag", func(s keystore.Sealed) keystore.Sealed { s.WrappedDEK = flip(s.WrappedDEK, 59); return s }},
		{"empty wrapped key", func(s keystore.Sealed) keystore.Sealed { s.WrappedDEK = nil; return s }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := r.Open(7, tt.change(s)); !errors.Is(err, keystore.ErrDecrypt) {
				t.Errorf("Open after changing the %s = %v, want ErrDecrypt", tt.name, err)
			}
		})
	}
	if _, err := r.Open(7, s); err != nil {
		t.Errorf("the untouched value no longer opens: %v", err)
	}
}

// A ring without the sealing key cannot open the value, whether it lacks the
// version altogether (the error names it) or holds other key bytes under the
// same version id; neither error shows key material.
func TestOpenFailsWithoutTheSealingKeyAndNamesAMissingVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, openVersion string
		want              error
	}{
		{"a ring lacking the version", "2026-q1", keystore.ErrUnknownKEK},
		{"the right version id but other key bytes", "2025-q4", keystore.ErrDecrypt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sealKey, sealText := masterKey(t, "2025-q4")
			openKey, openText := masterKey(t, tt.openVersion)
			s := mustSeal(t, ring(t, sealKey), 9, []byte("secret"))
			_, err := ring(t, openKey).Open(9, s)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open = %v, want %v", err, tt.want)
			}
			if tt.want == keystore.ErrUnknownKEK && !strings.Contains(err.Error(), `"2025-q4"`) {
				t.Errorf("error %q does not name the missing version 2025-q4", err)
			}
			if strings.Contains(err.Error(), sealText) || strings.Contains(err.Error(), openText) {
				t.Errorf("error %q contains key material", err)
			}
		})
	}
}

func TestRewrapMovesTheDataKeyToTheNewCurrentMasterKeyAndNothingElse(t *testing.T) {
	t.Parallel()
	oldKey, _ := masterKey(t, "old")
	newKey, _ := masterKey(t, "new")
	plaintext := pkcs8Sized(t)
	s := mustSeal(t, ring(t, oldKey), 100, plaintext)

	rotating := ring(t, newKey, oldKey) // the new key in front, the old one still there
	rewrapped, changed, err := rotating.Rewrap(100, s)
	if err != nil {
		t.Fatal(err)
	}
	if !changed || rewrapped.KEKID != "new" {
		t.Errorf("Rewrap = KEKID %q, changed %v; want new, true", rewrapped.KEKID, changed)
	}
	if !bytes.Equal(rewrapped.Ciphertext, s.Ciphertext) || !bytes.Equal(rewrapped.Nonce, s.Nonce) {
		t.Error("Rewrap changed the ciphertext or its nonce")
	}
	if bytes.Equal(rewrapped.WrappedDEK, s.WrappedDEK) {
		t.Error("Rewrap left the wrapped data key as it was")
	}

	// Once every row is rewrapped, the old key can go.
	got, err := ring(t, newKey).Open(100, rewrapped)
	if err != nil {
		t.Fatalf("Open with only the new key: %v", err)
	}
	if !bytes.Equal(got, plaintext) {
		t.Error("the rewrapped value opens to different bytes")
	}

	same, changed, err := rotating.Rewrap(100, rewrapped)
	if err != nil || changed || !bytes.Equal(same.WrappedDEK, rewrapped.WrappedDEK) {
		t.Errorf("Rewrap of a current value = changed %v, err %v; want an unchanged no-op", changed, err)
	}
}

func TestRewrapRefusesAValueFromAnotherRecord(t *testing.T) {
	t.Parallel()
	oldKey, _ := masterKey(t, "old")
	newKey, _ := masterKey(t, "new")
	s := mustSeal(t, ring(t, oldKey), 100, []byte("secret"))
	if _, changed, err := ring(t, newKey, oldKey).Rewrap(101, s); !errors.Is(err, keystore.ErrDecrypt) || changed {
		t.Errorf("Rewrap for another record = changed %v, %v; want ErrDecrypt", changed, err)
	}
}

func TestSealRefusesARecordThatHasNoIdYet(t *testing.T) {
	t.Parallel()
	k1, _ := masterKey(t, "k1")
	for _, id := range []int64{0, -1} {
		if _, err := ring(t, k1).Seal(id, []byte("x")); err == nil {
			t.Errorf("Seal(%d) = nil error, want one", id)
		}
	}
	var nilRing *keystore.Ring
	if _, err := nilRing.Seal(1, []byte("x")); err == nil {
		t.Error("Seal on a nil ring = nil error")
	}
}

func TestParseMasterKeysAcceptsTheFormatsPeoplePaste(t *testing.T) {
	t.Parallel()
	raw := make([]byte, 32)
	rand.Read(raw)
	raw[0], raw[1] = 0xfb, 0xff // make sure "+/" vs "-_" differs between alphabets
	tests := []struct {
		name, env string
		ids       []string
	}{
		{"standard base64", "k1:" + base64.StdEncoding.EncodeToString(raw), []string{"k1"}},
		{"unpadded", "k1:" + base64.RawStdEncoding.EncodeToString(raw), []string{"k1"}},
		{"URL-safe", "k1:" + base64.URLEncoding.EncodeToString(raw), []string{"k1"}},
		{"URL-safe unpadded", "k1:" + base64.RawURLEncoding.EncodeToString(raw), []string{"k1"}},
		{"several with spaces", " 2026_03 : " + base64.StdEncoding.EncodeToString(raw) + " , dev-20250101:" + base64.RawURLEncoding.EncodeToString(raw), []string{"2026_03", "dev-20250101"}},
	}
	for _, tt := range tests {
		r, err := keystore.ParseMasterKeys(tt.env)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !slices.Equal(r.IDs(), tt.ids) || r.CurrentID() != tt.ids[0] {
			t.Errorf("%s: IDs = %q, current %q; want %q", tt.name, r.IDs(), r.CurrentID(), tt.ids)
		}
	}
}

func TestParseMasterKeysExplainsBadInputWithoutShowingKeys(t *testing.T) {
	t.Parallel()
	good, goodText := masterKey(t, "k1")
	sameID, sameIDText := masterKey(t, "k1")
	short := base64.StdEncoding.EncodeToString([]byte("only sixteen byt"))
	long := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("k"), 48))
	badB64 := "not*base64*at*all*but*secret*text*here*ok"
	tests := []struct {
		name, env, message string
		secrets            []string // must not appear in the error
	}{
		{"empty", "", "entry 1 is empty", nil},
		{"only spaces", "  ", "entry 1 is empty", nil},
		{"trailing comma", good + ",", "entry 2 is empty", []string{goodText}},
		{"no id", goodText, `not in the form "id:base64key"`, []string{goodText}},
		{"key and id swapped", goodText + ":k1", "the id must be", []string{goodText}},
		{"id with a dot", "k.1:" + goodText, "the id must be", []string{goodText}},
		{"id too long", strings.Repeat("a", 33) + ":" + goodText, "the id must be", []string{goodText}},
		{"empty key", "k1:", "the key is empty", nil},
		{"bad base64", "k1:" + badB64, "not valid base64", []string{badB64, "secret"}},
		{"16-byte key", "k1:" + short, "decodes to 16 bytes; it must be 32", []string{short}},
		{"48-byte key", "k1:" + long, "decodes to 48 bytes", []string{long}},
		{"duplicate id", good + "," + sameID, `id "k1" appears twice`, []string{goodText, sameIDText}},
	}
	for _, tt := range tests {
		r, err := keystore.ParseMasterKeys(tt.env)
		if err == nil {
			t.Errorf("%s: ParseMasterKeys = %v, nil error", tt.name, r)
			continue
		}
		if !strings.Contains(err.Error(), tt.message) {
			t.Errorf("%s: error %q does not say %q", tt.name, err, tt.message)
		}
		for _, secret := range tt.secrets {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: error %q shows key text %q", tt.name, err, secret)
			}
		}
	}
}

func TestRingPrintsAndLogsOnlyItsVersionIds(t *testing.T) {
	t.Parallel()
	raw := bytes.Repeat([]byte{0xAB}, 32) // easy to spot in any rendering
	keyText := base64.StdEncoding.EncodeToString(raw)
	r := ring(t, "current:"+keyText, "older:"+base64.RawURLEncoding.EncodeToString(raw))

	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("loaded", "ring", r)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("loaded", "ring", r)
	renderings := []string{
		fmt.Sprintf("%v %+v %#v %s %x %d %q", r, r, r, r, r, r, r),
		fmt.Sprintf("%v %+v %#v %d", *r, *r, *r, *r),
		fmt.Sprint(struct{ R *keystore.Ring }{r}),
		fmt.Sprintf("%+v %#v", struct{ R keystore.Ring }{*r}, struct{ R keystore.Ring }{*r}),
		logs.String(),
	}
	for _, s := range renderings {
		lower := strings.ToLower(s)
		for _, leak := range []string{keyText, "abababab", "ab ab ab", "171 171 171", "171, 171", "0xab"} {
			if strings.Contains(lower, strings.ToLower(leak)) {
				t.Errorf("rendering shows key bytes (%q):\n%s", leak, s)
			}
		}
	}
	if got := fmt.Sprint(r); !strings.Contains(got, "current") || !strings.Contains(got, "older") {
		t.Errorf("String() = %q, want it to name both versions", got)
	}
	if !strings.Contains(logs.String(), "ring.current=current") || !strings.Contains(logs.String(), `"current":"current"`) {
		t.Errorf("slog output does not show the current id:\n%s", logs.String())
	}
}

func TestEnsureDevKeyFileCreatesAPrivateKeyFileOnceAndReusesIt(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "var") // not there yet
	dayBefore := time.Now().UTC().Format("20060102")
	path, created, err := keystore.EnsureDevKeyFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	dayAfter := time.Now().UTC().Format("20060102")
	if !created || path != filepath.Join(dir, "master.key") {
		t.Fatalf("EnsureDevKeyFile = %q, created %v; want %s/master.key, true", path, created, dir)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %o, want 600", perm)
	}
	// The folder is shared with the embedded PostgreSQL, run as another user.
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm()&0o001 == 0 {
		t.Errorf("data folder mode = %v (%v): others cannot pass through it, so the postgres user cannot reach its cluster", info.Mode().Perm(), err)
	}
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	r, exposed, err := keystore.LoadMasterKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if exposed {
		t.Error("LoadMasterKeyFile says a 0600 file is readable by others")
	}
	// The key is named after the day it was made; a run that crosses
	// midnight UTC may have made it on either side.
	if id := r.CurrentID(); id != "dev-"+dayBefore && id != "dev-"+dayAfter {
		t.Errorf("dev key id = %q, want dev-%s (the day it was made)", id, dayAfter)
	}

	path2, created, err := keystore.EnsureDevKeyFile(dir)
	if err != nil || created || path2 != path {
		t.Fatalf("second EnsureDevKeyFile = %q, created %v, %v; want the same path, not created", path2, created, err)
	}
	second, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("the second call changed the key file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data folder holds %d files, want only master.key (temporary files left behind?)", len(entries))
	}
}

func TestLoadMasterKeyFileFlagsAFileOthersCanRead(t *testing.T) {
	t.Parallel()
	k2, _ := masterKey(t, "k2")
	k1, _ := masterKey(t, "k1")
	path := filepath.Join(t.TempDir(), "keys")
	content := "# rotated 2026-03\n" + k2 + "\n\n" + k1 + "\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // past any umask
		t.Fatal(err)
	}
	r, exposed, err := keystore.LoadMasterKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !exposed {
		t.Error("LoadMasterKeyFile did not flag a 0644 file")
	}
	if !slices.Equal(r.IDs(), []string{"k2", "k1"}) {
		t.Errorf("IDs = %q, want [k2 k1]", r.IDs())
	}
}

func TestLoadMasterKeyFileRefusesAFileWithoutKeys(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte("# nothing yet\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := keystore.LoadMasterKeyFile(path); err == nil || !strings.Contains(err.Error(), "no keys") {
		t.Errorf("LoadMasterKeyFile of an empty file = %v, want a 'no keys' error", err)
	}
	if _, _, err := keystore.LoadMasterKeyFile(filepath.Join(t.TempDir(), "absent")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadMasterKeyFile of a missing file = %v, want os.ErrNotExist", err)
	}
}

func BenchmarkSealOpen(b *testing.B) {
	k1, _ := masterKey(b, "k1")
	r := ring(b, k1)
	plaintext := pkcs8Sized(b)
	b.SetBytes(int64(len(plaintext)))
	for b.Loop() {
		s, err := r.Seal(1, plaintext)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Open(1, s); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSealedPrintsAsASummaryWithoutItsBytes(t *testing.T) {
	t.Parallel()
	k1, _ := masterKey(t, "k1")
	s := mustSeal(t, ring(t, k1), 3, bytes.Repeat([]byte{0xCD}, 100))
	got := fmt.Sprintf("%v %+v", s, s)
	want := "keystore.Sealed(kek=k1, wrapped_dek=60B, nonce=12B, ciphertext=116B)"
	if !strings.HasPrefix(got, want) {
		t.Errorf("Sealed prints as %q, want %q", got, want)
	}
	if strings.Contains(got, fmt.Sprint(s.Ciphertext[:4])) {
		t.Errorf("Sealed printing shows ciphertext bytes: %q", got)
	}
}
