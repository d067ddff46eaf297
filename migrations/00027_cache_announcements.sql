-- +goose Up
-- The portal caches sessions, users and API tokens in memory (internal/memo).
-- Every change to one of those rows is announced on the certportal_cache
-- channel when its transaction commits, so each portal process drops exactly
-- the entry that changed, whoever changed it (another replica, `portal user`).

-- +goose StatementBegin
CREATE FUNCTION announce_cache_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    key text;
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        -- Only a hash of the session token travels: the token is the secret.
        IF TG_OP = 'UPDATE' AND OLD.data IS NOT DISTINCT FROM NEW.data THEN
            RETURN NULL; -- only the idle expiry moved on: the cached data still holds
        END IF;
        IF TG_OP = 'DELETE' AND OLD.expiry < now() THEN
            RETURN NULL; -- the sweep of expired sessions: caches check the expiry themselves
        END IF;
        key := 'session:' || encode(sha256(convert_to(OLD.token, 'UTF8')), 'hex');
    ELSIF TG_TABLE_NAME = 'api_tokens' THEN
        IF TG_OP = 'UPDATE' AND OLD.revoked_at IS NOT DISTINCT FROM NEW.revoked_at
           AND OLD.user_id = NEW.user_id AND OLD.token_hash = NEW.token_hash THEN
            RETURN NULL; -- last_used_at only
        END IF;
        key := 'token:' || OLD.id;
    ELSE
        key := 'user:' || OLD.id;
    END IF;
    PERFORM pg_notify('certportal_cache', key);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER users_announce AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION announce_cache_change();
CREATE TRIGGER api_tokens_announce AFTER UPDATE OR DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION announce_cache_change();
CREATE TRIGGER sessions_announce AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION announce_cache_change();

-- +goose Down
DROP TRIGGER sessions_announce ON sessions;
DROP TRIGGER api_tokens_announce ON api_tokens;
DROP TRIGGER users_announce ON users;
DROP FUNCTION announce_cache_change();
