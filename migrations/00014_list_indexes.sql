-- +goose Up
-- Keyset pagination: each sort of a list is served by an index on (column, id),
-- so any page costs the same as the first.
CREATE INDEX certificates_not_after_id_idx ON certificates (not_after, id);
DROP INDEX certificates_not_after_idx;
CREATE INDEX certificates_common_name_id_idx ON certificates (common_name, id);
CREATE INDEX certificates_issuer_id_idx ON certificates (issuer, id);
-- The dashboard's latest certificate per requirement reads only the index.
CREATE INDEX certificates_requirement_latest_cover_idx ON certificates (requirement_id, not_after DESC, id DESC) INCLUDE (common_name);
DROP INDEX certificates_requirement_latest_idx;
CREATE INDEX clients_name_id_idx ON clients (lower(display_name), id);
CREATE INDEX clients_legal_name_id_idx ON clients (lower(legal_name), id);
CREATE INDEX projects_name_id_idx ON projects (lower(name), id);
CREATE INDEX projects_staging_id_idx ON projects ((COALESCE(staging_on, 'infinity'::date)), id);
CREATE INDEX projects_po_idx ON projects (po_id) WHERE po_id IS NOT NULL;
CREATE INDEX projects_am_idx ON projects (am_id) WHERE am_id IS NOT NULL;

-- +goose Down
CREATE INDEX certificates_requirement_latest_idx ON certificates (requirement_id, not_after DESC, id DESC);
DROP INDEX certificates_requirement_latest_cover_idx;
DROP INDEX projects_am_idx;
DROP INDEX projects_po_idx;
DROP INDEX projects_staging_id_idx;
DROP INDEX projects_name_id_idx;
DROP INDEX clients_legal_name_id_idx;
DROP INDEX clients_name_id_idx;
DROP INDEX certificates_issuer_id_idx;
DROP INDEX certificates_common_name_id_idx;
CREATE INDEX certificates_not_after_idx ON certificates (not_after);
DROP INDEX certificates_not_after_id_idx;
