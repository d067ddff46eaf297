-- +goose Up
-- Keyset pagination: each sort of a list is served by an index on (column, id),
-- so any page costs the same as the first.
CREATE INDEX certificates_not_after_id_idx ON certificates (not_after, id);
DROP INDEX certificates_not_after_idx;
CREATE INDEX certificates_common_name_id_idx ON certificates (common_name, id);
CREATE INDEX certificates_issuer_id_idx ON certificates (issuer, id);

-- +goose Down
DROP INDEX certificates_issuer_id_idx;
DROP INDEX certificates_common_name_id_idx;
CREATE INDEX certificates_not_after_idx ON certificates (not_after);
DROP INDEX certificates_not_after_id_idx;
