-- +goose Up
-- The data version (00015) was bumped by each tracking trigger as its statement
-- ran, so a writing transaction held dashboard_state's one row locked from its
-- first tracked statement to its commit: every writer waited for every other,
-- and a writer that then waited for a row another writer held deadlocked with
-- it as soon as that one wrote a tracked table too (a scan start beside its
-- worker did). Now a tracked statement only notes its transaction in
-- dashboard_bumps (its own key: no writer waits for another), and a deferred
-- trigger moves the version once, at commit, as the transaction's last step,
-- when it no longer waits for anything. The version still moves in the writing
-- transaction, so a reader never sees the change without the new version.
CREATE TABLE dashboard_bumps (
    txid xid8 PRIMARY KEY
);

-- +goose StatementBegin
CREATE FUNCTION dashboard_bump_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dashboard_state SET version = version + 1;
    DELETE FROM dashboard_bumps WHERE txid = NEW.txid;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER dashboard_bumps_at_commit AFTER INSERT ON dashboard_bumps
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_bump_at_commit();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION dashboard_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_bumps VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION installs_dashboard_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per statement (a seed or a bulk change updates many rows at once).
    IF EXISTS (SELECT 1 FROM installs_before o JOIN installs_after n ON n.id = o.id
               WHERE (to_jsonb(n) - 'last_check_id') IS DISTINCT FROM (to_jsonb(o) - 'last_check_id')) THEN
        INSERT INTO dashboard_bumps VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION installs_dashboard_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM installs_before o JOIN installs_after n ON n.id = o.id
               WHERE (to_jsonb(n) - 'last_check_id') IS DISTINCT FROM (to_jsonb(o) - 'last_check_id')) THEN
        UPDATE dashboard_state SET version = version + 1;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION dashboard_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dashboard_state SET version = version + 1;
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP TRIGGER dashboard_bumps_at_commit ON dashboard_bumps;
DROP FUNCTION dashboard_bump_at_commit();
DROP TABLE dashboard_bumps;
