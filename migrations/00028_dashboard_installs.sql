-- +goose Up
-- The dashboard lists installs failing their last check and installs graded
-- below A, and the staging board reads installs and their checks: writes that
-- change what those show bump the data version in the writing transaction, as
-- 00015's triggers do for the other tables the dashboard reads.
--
-- The daily check writes a check for every install and points the install at
-- it. A scheduled check that leaves an install as it was (passing, or still
-- failing) changes nothing the dashboard shows, so it does not bump: otherwise
-- the dashboard would be recomputed after every one of thousands of checks.
-- Whoever stores a check also keeps last_passed (the last check's outcome, NULL
-- before the first), failing_check_id (the check that started the install's
-- current failure: "failing since" and its first problem stay put while it
-- keeps failing) and manual_checked_at (when a person last asked for a check);
-- an install's row then changes, besides last_check_id, exactly when the
-- dashboard or the staging board must change.
ALTER TABLE installs ADD COLUMN last_passed boolean,
    ADD COLUMN failing_check_id bigint REFERENCES install_checks (id) ON DELETE SET NULL,
    ADD COLUMN manual_checked_at timestamptz;
UPDATE installs i SET last_passed = k.passed, failing_check_id = CASE WHEN k.passed THEN NULL ELSE k.id END
    FROM install_checks k WHERE k.id = i.last_check_id;
CREATE INDEX installs_failing_idx ON installs (failing_check_id) WHERE failing_check_id IS NOT NULL AND retired_at IS NULL;
-- The install lists find each install's requirement from its certificate in
-- the index alone (the certificates' rows, PEMs and all, stay unread).
CREATE INDEX certificates_id_requirement_idx ON certificates (id) INCLUDE (requirement_id);

-- +goose StatementBegin
CREATE FUNCTION installs_dashboard_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per statement (a seed or a bulk change updates many rows at once).
    IF EXISTS (SELECT 1 FROM installs_before o JOIN installs_after n ON n.id = o.id
               WHERE (to_jsonb(n) - 'last_check_id') IS DISTINCT FROM (to_jsonb(o) - 'last_check_id')) THEN
        UPDATE dashboard_state SET version = version + 1;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER installs_dashboard AFTER INSERT OR DELETE OR TRUNCATE ON installs
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
CREATE TRIGGER installs_dashboard_update AFTER UPDATE ON installs
    REFERENCING OLD TABLE AS installs_before NEW TABLE AS installs_after
    FOR EACH STATEMENT EXECUTE FUNCTION installs_dashboard_bump();
-- A new check shows through its install (above); edits and deletions bump.
CREATE TRIGGER install_checks_dashboard AFTER UPDATE OR DELETE OR TRUNCATE ON install_checks
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();
-- A scan's progress is not on the dashboard: only its status and grade bump.
CREATE TRIGGER install_scans_dashboard AFTER INSERT OR UPDATE OF status, grade OR DELETE OR TRUNCATE ON install_scans
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_bump();

-- +goose Down
DROP TRIGGER install_scans_dashboard ON install_scans;
DROP TRIGGER install_checks_dashboard ON install_checks;
DROP TRIGGER installs_dashboard_update ON installs;
DROP TRIGGER installs_dashboard ON installs;
DROP FUNCTION installs_dashboard_bump();
DROP INDEX certificates_id_requirement_idx;
DROP INDEX installs_failing_idx;
ALTER TABLE installs DROP COLUMN manual_checked_at, DROP COLUMN failing_check_id, DROP COLUMN last_passed;
