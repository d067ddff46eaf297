-- +goose Up
-- A certificate is installed and passing when one of its active installs
-- passed its last check serving it: the reminder sweep and the renewal plan
-- then treat older certificates of the requirement as superseded.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION certificate_installed_and_passing(certificate_id bigint) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM installs i
        JOIN install_checks c ON c.id = i.last_check_id
        WHERE i.certificate_id = $1 AND i.retired_at IS NULL AND c.passed AND c.served_matches)
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION certificate_installed_and_passing(certificate_id bigint) RETURNS boolean
    LANGUAGE sql STABLE AS $$ SELECT false $$;
-- +goose StatementEnd
