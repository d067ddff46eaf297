-- Every certificate supplied with a certificate, used in its chain or not, so adding the
-- missing intermediate later rebuilds the chain from all of them (a root sent with the
-- first upload then takes its place). The built order stays where it was: leaf_pem,
-- intermediates_pem (ordered, leaf's issuer first) and root_pem, read as stored by views
-- and downloads.

-- +goose Up
ALTER TABLE certificates ADD COLUMN supplied_pem text NOT NULL DEFAULT '';
UPDATE certificates SET supplied_pem = leaf_pem || intermediates_pem || root_pem;

-- +goose Down
ALTER TABLE certificates DROP COLUMN supplied_pem;
