-- Sign-in hardening: failed password attempts counted per (account, source address)
-- and per source address, reserved before the hash is computed; and a per-user
-- session generation that a password change moves on, ending older sessions.

-- +goose Up
-- One row per (account, source) pair, and one per source with account = '' that
-- counts attempts on every account from that address (spraying).
CREATE TABLE sign_in_failures (
    account  text NOT NULL,
    source   text NOT NULL,
    failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    last_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account, source)
);
CREATE INDEX sign_in_failures_last_at_idx ON sign_in_failures (last_at);

-- Counting per email alone let anyone lock any account out; the pairs above replace it.
DROP TABLE login_failures;

-- A session remembers the generation it was signed in under; a password change
-- increments it, so every older session of that user is refused.
ALTER TABLE users ADD COLUMN session_generation bigint NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN session_generation;
CREATE TABLE login_failures (
    email      text NOT NULL,
    failures   integer NOT NULL DEFAULT 0,
    last_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (email)
);
DROP TABLE sign_in_failures;
