-- An ACME renewal is done when the installs serve the new certificate and
-- pass: when the renewal's certificate was issued and the old certificate's
-- installs moved to it, and when every active install of the requirement
-- then served it and passed.

-- +goose Up
ALTER TABLE acme_certificates ADD COLUMN renewal_issued_at timestamptz;
ALTER TABLE acme_certificates ADD COLUMN renewal_done_at timestamptz;

-- +goose Down
ALTER TABLE acme_certificates DROP COLUMN renewal_done_at;
ALTER TABLE acme_certificates DROP COLUMN renewal_issued_at;
