-- +goose Up
-- Indexes for the foreign keys the portal queries by (and that deletes of the
-- referenced rows must check), and the dashboard's latest-certificate lookup.
CREATE INDEX orders_csr_idx ON orders (csr_id);
CREATE INDEX orders_replaces_idx ON orders (replaces_order_id) WHERE replaces_order_id IS NOT NULL;
CREATE INDEX orders_certificate_idx ON orders (certificate_id) WHERE certificate_id IS NOT NULL;
CREATE INDEX orders_admin_contact_idx ON orders (admin_contact_id) WHERE admin_contact_id IS NOT NULL;
CREATE INDEX orders_tech_contact_idx ON orders (tech_contact_id) WHERE tech_contact_id IS NOT NULL;
CREATE INDEX orders_billing_contact_idx ON orders (billing_contact_id) WHERE billing_contact_id IS NOT NULL;
CREATE INDEX certificates_csr_idx ON certificates (csr_id);
CREATE INDEX certificates_requirement_latest_idx ON certificates (requirement_id, not_after DESC, id DESC);
DROP INDEX certificates_requirement_idx;
CREATE INDEX csrs_private_key_idx ON csrs (private_key_id) WHERE private_key_id IS NOT NULL;

-- Never written or read: the provider's own words for a state are in the history notes.
ALTER TABLE orders DROP COLUMN provider_state;

-- +goose Down
ALTER TABLE orders ADD COLUMN provider_state text NOT NULL DEFAULT '';
DROP INDEX csrs_private_key_idx;
CREATE INDEX certificates_requirement_idx ON certificates (requirement_id);
DROP INDEX certificates_requirement_latest_idx;
DROP INDEX certificates_csr_idx;
DROP INDEX orders_billing_contact_idx;
DROP INDEX orders_tech_contact_idx;
DROP INDEX orders_admin_contact_idx;
DROP INDEX orders_certificate_idx;
DROP INDEX orders_replaces_idx;
DROP INDEX orders_csr_idx;
