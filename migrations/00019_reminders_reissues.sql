-- Renewal plans, reminders sent exactly once, and reissues inside a subscription.

-- +goose Up
-- The planner's answer per certificate, refreshed by the reminder sweep, so the
-- sweep itself is one set-based query.
CREATE TABLE certificate_plans (
    certificate_id  bigint PRIMARY KEY REFERENCES certificates (id) ON DELETE CASCADE,
    renew_by        timestamptz NOT NULL,
    renewal_kind    text NOT NULL CHECK (renewal_kind IN ('reissue', 'renewal')),
    lead_days       integer NOT NULL,
    planned_at      timestamptz NOT NULL
);
CREATE INDEX certificate_plans_planned_idx ON certificate_plans (planned_at);

-- One row per reminder sent: the uniqueness rule is what makes a reminder go
-- out once, whatever number of sweeps run, late or at once.
CREATE TABLE reminders_sent (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fingerprint_sha256 text NOT NULL,
    certificate_id     bigint NOT NULL REFERENCES certificates (id) ON DELETE CASCADE,
    threshold          text NOT NULL,
    recipient          text NOT NULL,
    sent_at            timestamptz NOT NULL,
    CONSTRAINT reminders_sent_once UNIQUE (fingerprint_sha256, threshold, recipient)
);
CREATE INDEX reminders_sent_certificate_idx ON reminders_sent (certificate_id);

-- A reissue inside a subscription: a new CSR (new key) for the requirement; the
-- reissued certificate, once pasted, is the certificate made for that CSR.
CREATE TABLE reissues (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    certificate_id     bigint NOT NULL REFERENCES certificates (id) ON DELETE CASCADE,
    order_id           bigint REFERENCES orders (id) ON DELETE SET NULL,
    csr_id             bigint NOT NULL REFERENCES csrs (id) ON DELETE RESTRICT,
    created_by         bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reissues_certificate_idx ON reissues (certificate_id);
CREATE INDEX reissues_csr_idx ON reissues (csr_id);
CREATE INDEX reissues_order_idx ON reissues (order_id);

-- Whether a certificate is installed and passed its last check. Installs are
-- not in this migration's branch: this answers false until the installs
-- migration replaces it (CREATE OR REPLACE FUNCTION) with the real rule.
-- TODO(installs): replace with a query over installs and their last check.
CREATE FUNCTION certificate_installed_and_passing(certificate_id bigint) RETURNS boolean
    LANGUAGE sql STABLE AS $$ SELECT false $$;

-- +goose Down
DROP FUNCTION certificate_installed_and_passing(bigint);
DROP TABLE reissues;
DROP TABLE reminders_sent;
DROP TABLE certificate_plans;
