-- TLS scans of installs (local testssl.sh, graded by the portal; SSL Labs) and the
-- read-only links that share a scan's report with the client.

-- +goose Up
CREATE TABLE install_scans (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    install_id       bigint NOT NULL REFERENCES installs (id) ON DELETE CASCADE,
    scanner          text NOT NULL CHECK (scanner IN ('testssl', 'ssllabs')),
    status           text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    progress         text[] NOT NULL DEFAULT '{}',  -- the sections finished so far
    grade            text NOT NULL DEFAULT '',      -- the worst endpoint's grade
    endpoints        jsonb NOT NULL DEFAULT '[]',   -- per address: grade, reasons
    raw              jsonb,                         -- testssl findings per address, or SSL Labs' full answer
    error            text NOT NULL DEFAULT '',
    cancel_requested boolean NOT NULL DEFAULT false,
    requested_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz
);
CREATE INDEX install_scans_install_idx ON install_scans (install_id, id DESC);
-- At most one scan per install queued or running: a second one is a 409.
CREATE UNIQUE INDEX install_scans_one_live ON install_scans (install_id) WHERE status IN ('queued', 'running');

CREATE TABLE report_shares (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scan_id      bigint NOT NULL REFERENCES install_scans (id) ON DELETE CASCADE,
    token_sha256 bytea NOT NULL UNIQUE,             -- the token itself is shown once, never stored
    created_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    revoked_by   bigint REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX report_shares_scan_idx ON report_shares (scan_id);

-- +goose Down
DROP TABLE report_shares;
DROP TABLE install_scans;
