-- Issued certificates: the leaf, its ordered chain, what is missing, and where it came from.

-- +goose Up
CREATE TABLE certificates (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    csr_id              bigint NOT NULL REFERENCES csrs (id) ON DELETE RESTRICT,
    requirement_id      bigint NOT NULL REFERENCES requirements (id) ON DELETE RESTRICT,
    serial              text NOT NULL,
    issuer              text NOT NULL,
    subject             text NOT NULL,
    common_name         text NOT NULL DEFAULT '',
    sans                text[] NOT NULL DEFAULT '{}',
    not_before          timestamptz NOT NULL,
    not_after           timestamptz NOT NULL,
    fingerprint_sha256  text NOT NULL,
    key_type            text NOT NULL,
    public_key_sha256   text NOT NULL,
    leaf_pem            text NOT NULL,
    intermediates_pem   text NOT NULL DEFAULT '',   -- ordered, leaf's issuer first
    root_pem            text NOT NULL DEFAULT '',   -- kept if supplied; never in fullchain
    missing_issuer      text NOT NULL DEFAULT '',   -- when the chain stops short
    missing_issuer_urls text[] NOT NULL DEFAULT '{}',
    warnings            text[] NOT NULL DEFAULT '{}',
    source              text NOT NULL CHECK (source IN ('upload', 'provider')),
    source_detail       text NOT NULL DEFAULT '',   -- e.g. "opensrs order 123" or the file name
    created_by          bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX certificates_fingerprint_key ON certificates (fingerprint_sha256);
CREATE INDEX certificates_requirement_idx ON certificates (requirement_id);
CREATE INDEX certificates_not_after_idx ON certificates (not_after);

-- +goose Down
DROP TABLE certificates;
