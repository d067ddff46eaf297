-- +goose Up
-- The dashboard lists installs whose last check failed and installs graded
-- below A (and the staging board reads installs and their checks): writes to
-- those tables bump its data version in the writing transaction, as 00015's
-- triggers do for the other tables it reads. A scan's progress is not on the
-- dashboard, so only its status and grade bump it.
CREATE TRIGGER installs_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON installs
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER install_checks_dashboard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON install_checks
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER install_scans_dashboard AFTER INSERT OR UPDATE OF status, grade OR DELETE OR TRUNCATE ON install_scans
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();

-- The failed-installs list starts from the failed checks and finds the
-- installs they are the last check of.
CREATE INDEX install_checks_failed_idx ON install_checks (id) WHERE NOT passed;
CREATE INDEX installs_last_check_idx ON installs (last_check_id) WHERE retired_at IS NULL;

-- +goose Down
DROP INDEX installs_last_check_idx;
DROP INDEX install_checks_failed_idx;
DROP TRIGGER install_scans_dashboard ON install_scans;
DROP TRIGGER install_checks_dashboard ON install_checks;
DROP TRIGGER installs_dashboard ON installs;
