-- +goose Up
-- The user list pages by name, email or creation time (internal/page): an
-- index on (key, id) serves each sort at the same cost on every page.
CREATE INDEX users_name_page_idx ON users (lower(name), id);
CREATE INDEX users_email_page_idx ON users (email, id);
CREATE INDEX users_created_page_idx ON users (created_at, id);

-- +goose Down
DROP INDEX users_created_page_idx;
DROP INDEX users_email_page_idx;
DROP INDEX users_name_page_idx;
