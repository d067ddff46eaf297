-- +goose Up
-- The portal keeps the rendered dashboard, list and status views in memory per
-- data version (internal/web/viewcache.go): every table those views read must
-- bump the version in the writing transaction. 00015 and 00028 cover the
-- dashboard's tables; these are the rest (a CSR's step, an order's history,
-- a client's share links, people's names, renewals and plans).
CREATE TRIGGER csrs_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON csrs
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER order_history_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON order_history
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER client_shares_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON client_shares
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER users_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER reissues_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON reissues
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER certificate_plans_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON certificate_plans
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER report_shares_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON report_shares
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();

-- +goose Down
DROP TRIGGER report_shares_dashboard ON report_shares;
DROP TRIGGER certificate_plans_dashboard ON certificate_plans;
DROP TRIGGER reissues_dashboard ON reissues;
DROP TRIGGER users_dashboard ON users;
DROP TRIGGER client_shares_dashboard ON client_shares;
DROP TRIGGER order_history_dashboard ON order_history;
DROP TRIGGER csrs_dashboard ON csrs;
