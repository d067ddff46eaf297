package acme

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	legoacme "github.com/go-acme/lego/v5/acme"
	"github.com/go-acme/lego/v5/acme/api"
	"github.com/jackc/pgx/v5"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/keystore"
)

// CreateAccount registers a new account at the CA and keeps it: the account
// key is made here and sealed in the key store, as is the EAB HMAC key. What
// the CA refuses comes back as a message at the field it is about.
func (s *Service) CreateAccount(ctx context.Context, actor audit.Actor, in AccountInput) (*Account, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("acme: make an account key: %w", err)
	}
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	core, err := api.New(s.httpClient(in.DirectoryURL, in.PrivateCA), "certportal", in.DirectoryURL, "", key)
	if err != nil {
		return nil, errs.Field("directory_url", "The directory could not be read: "+shortErr(err)+".")
	}
	dir := core.GetDirectory()
	if in.Profile != "" && len(dir.Meta.Profiles) > 0 {
		if _, ok := dir.Meta.Profiles[in.Profile]; !ok {
			return nil, errs.Field("profile", "This CA offers the profiles "+strings.Join(profileNames(dir.Meta.Profiles), ", ")+".")
		}
	} else if in.Profile != "" {
		return nil, errs.Field("profile", "This CA offers no certificate profiles: leave the profile empty.")
	}
	if dir.Meta.ExternalAccountRequired && in.EABKeyID == "" {
		return nil, errs.Field("eab_key_id", "This CA requires External Account Binding: enter the key id and HMAC key it gave you.")
	}
	req := legoacme.Account{Contact: []string{"mailto:" + in.Email}, TermsOfServiceAgreed: in.TermsAgreed}
	var acct legoacme.ExtendedAccount
	if in.EABKeyID != "" {
		acct, err = core.Accounts.NewEAB(callCtx, req, in.EABKeyID, in.EABHMACKey)
	} else {
		acct, err = core.Accounts.New(callCtx, req)
	}
	if err != nil {
		return nil, registrationError(err, in.EABKeyID != "")
	}
	if acct.Location == "" {
		return nil, errs.Field("directory_url", "The CA created no account (its answer had no account URL).")
	}

	a := &Account{Name: in.Name, DirectoryURL: in.DirectoryURL, Email: in.Email, AccountURL: acct.Location,
		EABKeyID: in.EABKeyID, Profile: in.Profile, PrivateCA: in.PrivateCA, OV: in.OV, TermsAgreed: s.cfg.Now()}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("acme: encode the account key: %w", err)
	}
	defer clear(pkcs8)
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	sum := sha256.Sum256(pub)
	var id int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if a.keyID, err = s.cfg.Keys.Put(ctx, tx, pkcs8, keystore.KeyInfo{KeyType: "acme-account-ecdsa-p256",
			PublicKeySHA256: hex.EncodeToString(sum[:]), CreatedBy: actor.ID}); err != nil {
			return err
		}
		if in.EABHMACKey != "" {
			if a.eabHMACID, err = s.cfg.Keys.Put(ctx, tx, []byte(in.EABHMACKey), keystore.KeyInfo{KeyType: "acme-eab-hmac", CreatedBy: actor.ID}); err != nil {
				return err
			}
		}
		if id, err = accountInsert(ctx, tx, a, actor.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "acme.account.create", fmt.Sprintf("acme account %d", id), map[string]any{
			"directory_url": a.DirectoryURL, "email": a.Email, "eab": a.EABKeyID != "", "profile": a.Profile, "private_ca": a.PrivateCA})
	})
	if err != nil {
		return nil, err
	}
	return s.Account(ctx, id)
}

// Account reads one account.
func (s *Service) Account(ctx context.Context, id int64) (*Account, error) {
	return accountGet(ctx, s.pool, id)
}

// Accounts lists the accounts by name.
func (s *Service) Accounts(ctx context.Context) ([]Account, error) {
	return accountList(ctx, s.pool)
}

func profileNames(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// registrationError puts the CA's refusal of a new account at its field.
func registrationError(err error, eab bool) error {
	var pd *legoacme.ProblemDetails
	if errors.As(err, &pd) {
		switch {
		case pd.Type == legoacme.ExternalAccountRequiredErrorType:
			return errs.Field("eab_key_id", "This CA requires External Account Binding: enter the key id and HMAC key it gave you.")
		case eab && (pd.Type == legoacme.UnauthorizedErrorType || pd.Type == legoacme.MalformedErrorType):
			return errs.Fields("The CA refused the External Account Binding: "+pd.Detail+".", map[string]string{
				"eab_hmac_key": "The CA refused this key id and HMAC key (" + pd.Detail + "): copy both again from the CA's account page."})
		case pd.Type == legoacme.InvalidContactErrorType || pd.Type == legoacme.UnsupportedContactErrorType:
			return errs.Field("email", "The CA refused this contact email: "+pd.Detail+".")
		case strings.Contains(strings.ToLower(pd.Detail), "terms"):
			return errs.Field("terms_agreed", "The CA wants its terms of service agreed: "+pd.Detail+".")
		}
		return errs.Field("directory_url", "The CA refused the account: "+pd.Detail+".")
	}
	return errs.Field("directory_url", "The CA could not be reached: "+shortErr(err)+".")
}

// shortErr is an error's text without Go package prefixes, bounded.
func shortErr(err error) string {
	msg := errs.UserText(err)
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}
