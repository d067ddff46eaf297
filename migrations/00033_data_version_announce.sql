-- +goose Up
-- Each portal process keeps the data version (00015) in memory between
-- changes (internal/web/viewcache.go) instead of reading it on every kept view:
-- a transaction that moves it announces "data:" on the cache channel (00027)
-- when it commits, and every process reads the version again. The payload is
-- the same for every bump, so PostgreSQL sends one announcement per transaction.
-- +goose StatementBegin
CREATE FUNCTION announce_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('certportal_cache', 'data:');
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER dashboard_state_announce AFTER UPDATE ON dashboard_state
    FOR EACH STATEMENT EXECUTE FUNCTION announce_data_version();

-- +goose Down
DROP TRIGGER dashboard_state_announce ON dashboard_state;
DROP FUNCTION announce_data_version();
