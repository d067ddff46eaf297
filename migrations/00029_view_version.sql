-- +goose Up
-- The portal keeps the rendered dashboard, list and status views in memory per
-- data version (internal/web/viewcache.go): every table those views read must
-- bump the version in the writing transaction. 00015 and 00028 cover the
-- dashboard's tables; these are the rest (a CSR's step, an order's history,
-- a client's share links, people's names, renewals and plans, report links).
-- +goose StatementBegin
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['csrs', 'order_history', 'client_shares', 'users', 'reissues', 'certificate_plans', 'report_shares'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
            FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump()', t || '_dashboard', t);
    END LOOP;
END $$;
-- +goose StatementEnd

-- The audit log pages by id, newest first, filtered by action (internal/page).
CREATE INDEX audit_log_action_idx ON audit_log (action, id);

-- +goose Down
DROP INDEX audit_log_action_idx;
-- +goose StatementBegin
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['csrs', 'order_history', 'client_shares', 'users', 'reissues', 'certificate_plans', 'report_shares'] LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_dashboard', t);
    END LOOP;
END $$;
-- +goose StatementEnd
