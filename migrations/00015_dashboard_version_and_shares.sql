-- +goose Up
-- The dashboard caches its summary per data version: every statement that
-- changes what the dashboard reads bumps the version in the same transaction,
-- so a cached summary is never older than a change its reader has seen commit.
-- TODO(installs): add the trigger to the installs and install-check tables when
-- they land (the dashboard will list failed checks and low grades).
CREATE TABLE dashboard_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint NOT NULL DEFAULT 0
);
INSERT INTO dashboard_state DEFAULT VALUES;

-- +goose StatementBegin
CREATE FUNCTION dashboard_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dashboard_state SET version = version + 1;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER clients_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clients FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER contacts_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON contacts FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER good_standing_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON good_standing FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER projects_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON projects FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER requirements_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON requirements FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER domain_checks_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON domain_checks FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER orders_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orders FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER certificates_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON certificates FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER settings_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON settings FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();

-- Links that show a client its status page without signing in: the token is
-- 256 random bits, stored only as its SHA-256; 30 days; revocable.
CREATE TABLE client_shares (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id  bigint NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL,
    created_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE UNIQUE INDEX client_shares_token_key ON client_shares (token_hash);
CREATE INDEX client_shares_client_idx ON client_shares (client_id, id DESC);

-- Secret calendar addresses a calendar app subscribes to (one user's view):
-- 256-bit token stored as its SHA-256, revocable.
CREATE TABLE calendar_feeds (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE UNIQUE INDEX calendar_feeds_token_key ON calendar_feeds (token_hash);
CREATE INDEX calendar_feeds_user_idx ON calendar_feeds (user_id, id DESC);

-- +goose Down
DROP TABLE calendar_feeds;
DROP TABLE client_shares;
DROP TRIGGER settings_dashboard ON settings;
DROP TRIGGER certificates_dashboard ON certificates;
DROP TRIGGER orders_dashboard ON orders;
DROP TRIGGER domain_checks_dashboard ON domain_checks;
DROP TRIGGER requirements_dashboard ON requirements;
DROP TRIGGER projects_dashboard ON projects;
DROP TRIGGER good_standing_dashboard ON good_standing;
DROP TRIGGER contacts_dashboard ON contacts;
DROP TRIGGER clients_dashboard ON clients;
DROP FUNCTION dashboard_bump();
DROP TABLE dashboard_state;
