package certs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/certportal/certportal/internal/audit"
	"github.com/certportal/certportal/internal/clients"
	"github.com/certportal/certportal/internal/csrgen"
	"github.com/certportal/certportal/internal/errs"
	"github.com/certportal/certportal/internal/keystore"
	"github.com/certportal/certportal/internal/projects"
)

// Service is the CSR, key and certificate workflow; one call serves both the
// pages and the JSON API.
type Service struct {
	pool         *pgxpool.Pool
	keys         *keystore.Store
	requirements Requirements
	clients      Clients
	now          func() time.Time
}

// Requirements reads the requirement a CSR is made for (projects.Service):
// projects owns requirements, certs only reads their hostnames.
type Requirements interface {
	GetRequirement(ctx context.Context, id int64) (*projects.Requirement, error)
}

// Clients reads the client whose registration a CSR's subject names
// (clients.Service).
type Clients interface {
	GetClient(ctx context.Context, id int64) (*clients.Client, error)
}

// NewService returns a Service storing keys in keys, reading requirements
// and clients through reqs and cl.
func NewService(pool *pgxpool.Pool, keys *keystore.Store, reqs Requirements, cl Clients) *Service {
	return &Service{pool: pool, keys: keys, requirements: reqs, clients: cl, now: time.Now}
}

// Requirement returns what a CSR for the requirement is made from.
func (s *Service) Requirement(ctx context.Context, id int64) (*Requirement, error) {
	r, err := s.requirements.GetRequirement(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := s.clients.GetClient(ctx, r.ClientID)
	if err != nil {
		return nil, err
	}
	return &Requirement{Requirement: r, Client: c}, nil
}

func requirementSubject(id int64) string { return fmt.Sprintf("requirement %d", id) }

// GenerateCSR makes a key and CSR for a requirement. The key is sealed into the
// key store in the same transaction as the CSR and the "key.generate" audit
// record (who, which requirement, key type: never the key). Invalid input is an
// errs.Invalid naming each field, and nothing is stored.
func (s *Service) GenerateCSR(ctx context.Context, actor audit.Actor, requirementID int64, req csrgen.Request) (*CSR, error) {
	if _, err := s.requirements.GetRequirement(ctx, requirementID); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, invalidRequest(err)
	}
	res, err := csrgen.Generate(rand.Reader, req)
	if err != nil {
		return nil, invalidRequest(err)
	}
	defer clear(res.PrivateKeyPKCS8)
	c := &CSR{
		RequirementID:   requirementID,
		Source:          SourceGenerated,
		PEM:             res.CSRPEM,
		KeyType:         string(res.KeyType),
		Subject:         res.Subject.String(),
		CommonName:      res.Subject.Get("CN"),
		SANs:            res.SANs,
		PublicKeySHA256: res.PublicKeySHA256,
		CreatedBy:       actor.Email,
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		keyID, err := s.keys.Put(ctx, tx, res.PrivateKeyPKCS8, keystore.KeyInfo{
			KeyType: string(res.KeyType), PublicKeySHA256: res.PublicKeySHA256, CreatedBy: actor.ID,
		})
		if err != nil {
			return err
		}
		c.privateKeyID = keyID
		if err := insertCSR(ctx, tx, c, actor.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "key.generate", requirementSubject(requirementID), map[string]any{
			"csr_id": c.ID, "private_key_id": keyID, "key_type": c.KeyType, "common_name": c.CommonName, "sans": len(c.SANs),
		})
	})
	if err != nil {
		return nil, fmt.Errorf("certs: generate CSR for requirement %d: %w", requirementID, err)
	}
	return c, nil
}

// invalidRequest turns csrgen's validation error into the portal's field error.
func invalidRequest(err error) error {
	var ve *csrgen.ValidationError
	if errors.As(err, &ve) {
		fields := make(map[string]string, len(ve.Fields))
		for k, v := range ve.Fields {
			fields[k] = sentence(v)
		}
		return errs.Fields("Please correct the highlighted fields.", fields)
	}
	return err
}

// sentence capitalises a lower-case message fragment and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// UploadCSR stores a CSR made elsewhere (bring-your-own key): it is parsed and
// its signature checked; the portal never sees its key.
func (s *Service) UploadCSR(ctx context.Context, actor audit.Actor, requirementID int64, pemText string) (*CSR, error) {
	if _, err := s.requirements.GetRequirement(ctx, requirementID); err != nil {
		return nil, err
	}
	in, err := csrgen.ParseCSR([]byte(pemText))
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "csrgen: parse CSR: ")
		return nil, errs.Field("csr_pem", sentence(msg))
	}
	keyType := string(in.KeyType)
	if keyType == "" {
		keyType = in.Key
	}
	c := &CSR{
		RequirementID:   requirementID,
		Source:          SourceUploaded,
		KeyHeldOutside:  true,
		PEM:             in.PEM,
		KeyType:         keyType,
		Subject:         in.SubjectLine,
		CommonName:      in.Subject.Get("CN"),
		SANs:            append([]string{}, in.SANs...),
		PublicKeySHA256: in.PublicKeySHA256,
		CreatedBy:       actor.Email,
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := insertCSR(ctx, tx, c, actor.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, "csr.upload", requirementSubject(requirementID), map[string]any{
			"csr_id": c.ID, "key_type": c.KeyType, "common_name": c.CommonName,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("certs: upload CSR for requirement %d: %w", requirementID, err)
	}
	return c, nil
}

// CSR returns one CSR.
func (s *Service) CSR(ctx context.Context, id int64) (*CSR, error) {
	return getCSR(ctx, s.pool, id)
}

// CSRs lists a requirement's CSRs, newest first.
func (s *Service) CSRs(ctx context.Context, requirementID int64) ([]CSR, error) {
	if _, err := s.requirements.GetRequirement(ctx, requirementID); err != nil {
		return nil, err
	}
	return listCSRs(ctx, s.pool, requirementID)
}
