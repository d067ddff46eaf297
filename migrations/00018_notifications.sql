-- Notifications: each user's choices per event and channel, and every message
-- the portal sends (or failed to send), one row per recipient and channel.

-- +goose Up
CREATE TABLE notification_preferences (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event   text NOT NULL,
    channel text NOT NULL CHECK (channel IN ('email')),
    enabled boolean NOT NULL,
    PRIMARY KEY (user_id, event, channel)
);

CREATE TABLE notification_deliveries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event        text NOT NULL,
    channel      text NOT NULL CHECK (channel IN ('email', 'slack', 'webhook')),
    -- An email address, "portal" for a portal-wide channel, or "client <id>"
    -- for a client's own Slack channel; never a webhook URL.
    recipient    text NOT NULL,
    user_id      bigint REFERENCES users (id) ON DELETE SET NULL,
    subject      text NOT NULL,
    payload      jsonb NOT NULL,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    attempted_at timestamptz,
    sent_at      timestamptz
);
CREATE INDEX notification_deliveries_created_idx ON notification_deliveries (created_at DESC, id DESC);
CREATE INDEX notification_deliveries_trouble_idx ON notification_deliveries (id DESC)
    WHERE status = 'failed' OR (status = 'pending' AND attempts > 0);
CREATE INDEX notification_deliveries_user_idx ON notification_deliveries (user_id);

-- +goose Down
DROP TABLE notification_deliveries;
DROP TABLE notification_preferences;
