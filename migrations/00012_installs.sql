-- Installs of certificates on servers, and the live TLS checks of each.

-- +goose Up
CREATE TABLE installs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    certificate_id  bigint NOT NULL REFERENCES certificates (id) ON DELETE RESTRICT,
    -- staging, production, or a named one (qa, uat-eu, ...)
    environment     text NOT NULL CHECK (environment ~ '^[a-z][a-z0-9-]{0,31}$'),
    hostname        text NOT NULL,
    -- host:port pairs dialed instead of resolving the hostname; empty: resolve it
    addresses       text[] NOT NULL DEFAULT '{}',
    -- extra roots (a private or test CA) the served chain may reach
    trust_roots_pem text NOT NULL DEFAULT '',
    created_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    retired_at      timestamptz,
    retired_by      bigint REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX installs_certificate_idx ON installs (certificate_id, id);

-- Every check is kept; installs.last_check_id points at the newest.
CREATE TABLE install_checks (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    install_id     bigint NOT NULL REFERENCES installs (id) ON DELETE CASCADE,
    checked_at     timestamptz NOT NULL,
    passed         boolean NOT NULL,
    served_matches boolean NOT NULL,
    result         jsonb NOT NULL,               -- tlscheck.Result
    trigger        text NOT NULL CHECK (trigger IN ('manual', 'scheduled')),
    checked_by     bigint REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX install_checks_install_idx ON install_checks (install_id, id DESC);

ALTER TABLE installs ADD COLUMN last_check_id bigint REFERENCES install_checks (id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE installs DROP COLUMN last_check_id;
DROP TABLE install_checks;
DROP TABLE installs;
