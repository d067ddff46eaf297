-- Certificate orders placed with a provider (OpenSRS, or bought elsewhere and followed
-- by hand), each state change as a history row.

-- +goose Up
CREATE TABLE orders (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    requirement_id       bigint NOT NULL REFERENCES requirements (id) ON DELETE RESTRICT,
    csr_id               bigint NOT NULL REFERENCES csrs (id) ON DELETE RESTRICT,
    provider             text NOT NULL CHECK (provider IN ('opensrs', 'manual')),
    product              text NOT NULL,
    period_years         integer NOT NULL CHECK (period_years IN (1, 2)),
    reg_type             text NOT NULL DEFAULT 'new' CHECK (reg_type IN ('new', 'renew')),
    approver_email       text NOT NULL DEFAULT '',
    admin_contact_id     bigint REFERENCES contacts (id) ON DELETE RESTRICT,
    tech_contact_id      bigint REFERENCES contacts (id) ON DELETE RESTRICT,
    -- NULL: the agency's billing contact (settings.agency_billing_contact).
    billing_contact_id   bigint REFERENCES contacts (id) ON DELETE RESTRICT,
    server_type          text NOT NULL DEFAULT 'other',
    special_instructions text NOT NULL DEFAULT '',
    state                text NOT NULL DEFAULT 'draft' CHECK (state IN (
        'draft', 'submitting', 'unknown', 'pending', 'in-progress', 'awaiting-approval',
        'approver-confirmed', 'completed', 'issued', 'declined', 'cancelled')),
    -- The contact set exactly as it was sent with sw_register.
    contact_set          jsonb,
    provider_order_id    text,
    provider_product_id  text NOT NULL DEFAULT '',
    provider_state       text NOT NULL DEFAULT '',
    certificate_id       bigint REFERENCES certificates (id) ON DELETE RESTRICT,
    replaces_order_id    bigint REFERENCES orders (id) ON DELETE RESTRICT,
    submitting_since     timestamptz,
    submitted_at         timestamptz,
    override_reason      text NOT NULL DEFAULT '',
    cancel_reason        text NOT NULL DEFAULT '',
    -- The last failure, fit to show, and the form field it belongs to.
    last_error           text NOT NULL DEFAULT '',
    last_error_field     text NOT NULL DEFAULT '',
    polled_at            timestamptz,
    next_poll_at         timestamptz,
    poll_failures        integer NOT NULL DEFAULT 0,
    -- A poll holds the order until then, so two pollers never ask about it at once.
    poll_lease_until     timestamptz,
    created_by           bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- An OpenSRS order is issued only once its certificate is in the portal.
    CHECK (state <> 'issued' OR certificate_id IS NOT NULL OR provider = 'manual')
);
CREATE UNIQUE INDEX orders_provider_order_key ON orders (provider, provider_order_id);
CREATE INDEX orders_state_idx ON orders (state, id);
CREATE INDEX orders_requirement_idx ON orders (requirement_id, id DESC);

CREATE TABLE order_history (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id   bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL DEFAULT now(),
    from_state text NOT NULL DEFAULT '',
    to_state   text NOT NULL,
    by_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    by_poll    boolean NOT NULL DEFAULT false,
    note       text NOT NULL DEFAULT ''
);
CREATE INDEX order_history_order_idx ON order_history (order_id, at, id);

-- +goose Down
DROP TABLE order_history;
DROP TABLE orders;
