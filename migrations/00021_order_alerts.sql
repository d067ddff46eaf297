-- Order alerts the reminder sweep sends: an order overdue at the CA and an
-- approval email waiting. One row per order and event: the primary key is what
-- makes each go out once, whatever number of sweeps run, late or at once.

-- +goose Up
CREATE TABLE order_alerts_sent (
    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    event    text NOT NULL CHECK (event IN ('order_overdue', 'approval_pending')),
    sent_at  timestamptz NOT NULL,
    PRIMARY KEY (order_id, event)
);

-- +goose Down
DROP TABLE order_alerts_sent;
