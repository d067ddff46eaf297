-- +goose Up
-- The requirement page shows one page of the requirement's domain checks,
-- newest first (internal/page): an index on (requirement_id, checked_at, id)
-- serves every page at the same cost. The index of 00002 leads with the
-- domain, which serves the newest check per domain but not this order.
CREATE INDEX domain_checks_requirement_checked_idx ON domain_checks (requirement_id, checked_at DESC, id DESC);

-- +goose Down
DROP INDEX domain_checks_requirement_checked_idx;
