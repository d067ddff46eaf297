-- ACME: accounts at ACME CAs, DNS credentials per domain, the ACME side of
-- orders (challenges, HTTP-01 tokens), revocation and ARI renewal of the
-- certificates they issue. Secrets (account keys, EAB HMAC keys, DNS
-- credentials) are sealed in private_keys by internal/keystore.

-- +goose Up
CREATE TABLE acme_accounts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL,
    directory_url   text NOT NULL,
    email           text NOT NULL,
    account_url     text NOT NULL,
    key_id          bigint NOT NULL REFERENCES private_keys (id) ON DELETE RESTRICT,
    eab_key_id      text NOT NULL DEFAULT '',
    eab_hmac_id     bigint REFERENCES private_keys (id) ON DELETE RESTRICT,
    profile         text NOT NULL DEFAULT '',
    private_ca      boolean NOT NULL DEFAULT false,
    ov              boolean NOT NULL DEFAULT false,
    terms_agreed_at timestamptz NOT NULL,
    created_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- One way to prove control of a domain and its subdomains: a lego DNS
-- provider with its credentials (sealed, write-only), manual DNS, or HTTP-01.
CREATE TABLE acme_dns_credentials (
    domain      text PRIMARY KEY,
    provider    text NOT NULL,
    secret_id   bigint REFERENCES private_keys (id) ON DELETE RESTRICT,
    key_names   text[] NOT NULL DEFAULT '{}',
    updated_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE orders DROP CONSTRAINT orders_provider_check;
ALTER TABLE orders ADD CONSTRAINT orders_provider_check CHECK (provider IN ('opensrs', 'manual', 'acme'));
ALTER TABLE orders ADD COLUMN acme_account_id bigint REFERENCES acme_accounts (id) ON DELETE RESTRICT;
CREATE INDEX orders_acme_account_idx ON orders (acme_account_id) WHERE acme_account_id IS NOT NULL;

-- The ACME order behind a portal order (provider_order_id is its id).
CREATE TABLE acme_orders (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      bigint NOT NULL REFERENCES acme_accounts (id) ON DELETE RESTRICT,
    order_url       text NOT NULL DEFAULT '',
    csr_pem         text NOT NULL,
    names           text[] NOT NULL,
    replaces        text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'new',
    certificate_url text NOT NULL DEFAULT '',
    problem         text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX acme_orders_account_idx ON acme_orders (account_id);

-- A challenge the portal took on: its record to publish (DNS) or its token
-- to serve (HTTP-01, only while pending).
CREATE TABLE acme_challenges (
    acme_order_id     bigint NOT NULL REFERENCES acme_orders (id) ON DELETE CASCADE,
    identifier        text NOT NULL,
    method            text NOT NULL,
    challenge_url     text NOT NULL,
    token             text NOT NULL,
    key_authorization text NOT NULL,
    txt_name          text NOT NULL DEFAULT '',
    txt_value         text NOT NULL DEFAULT '',
    -- pending (recorded), presented (record published), answered (the CA was
    -- told to validate), then valid or invalid.
    status            text NOT NULL DEFAULT 'pending',
    PRIMARY KEY (acme_order_id, identifier)
);
CREATE INDEX acme_challenges_token_idx ON acme_challenges (token) WHERE status IN ('pending', 'presented', 'answered');

-- Certificates issued through ACME: the account that can revoke them, their
-- ARI id and when the renewal sweep renews them.
CREATE TABLE acme_certificates (
    certificate_id  bigint PRIMARY KEY REFERENCES certificates (id) ON DELETE CASCADE,
    account_id      bigint NOT NULL REFERENCES acme_accounts (id) ON DELETE RESTRICT,
    order_id        bigint REFERENCES orders (id) ON DELETE SET NULL,
    ari_id          text NOT NULL,
    renew_at        timestamptz NOT NULL,
    renewal_order_id bigint REFERENCES orders (id) ON DELETE SET NULL,
    renewal_error   text NOT NULL DEFAULT '',
    revoked_at      timestamptz,
    revoke_reason   text NOT NULL DEFAULT ''
);
CREATE INDEX acme_certificates_due_idx ON acme_certificates (renew_at) WHERE revoked_at IS NULL AND renewal_order_id IS NULL;

-- +goose Down
DROP TABLE acme_certificates;
DROP TABLE acme_challenges;
DROP TABLE acme_orders;
ALTER TABLE orders DROP COLUMN acme_account_id;
ALTER TABLE orders DROP CONSTRAINT orders_provider_check;
ALTER TABLE orders ADD CONSTRAINT orders_provider_check CHECK (provider IN ('opensrs', 'manual'));
DROP TABLE acme_dns_credentials;
DROP TABLE acme_accounts;
