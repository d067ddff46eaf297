-- +goose Up
-- 00019 stood in for the installs tables with certificate_installed_and_passing()
-- returning false. The lifecycle queries now join installs and install_checks
-- directly (starting from the installs, which are few: a function called per
-- pair of certificates was quadratic in a requirement's certificates).
DROP FUNCTION certificate_installed_and_passing(bigint);

-- +goose Down
-- +goose StatementBegin
CREATE FUNCTION certificate_installed_and_passing(certificate_id bigint) RETURNS boolean
    LANGUAGE sql STABLE AS $$ SELECT false $$;
-- +goose StatementEnd
