-- +goose Up
-- A renewal plan learns each validation level's lead time from the portal's
-- newest 50 issued orders of that level (internal/lifecycle). Read from
-- order_history, that meant a window over every order ever issued on every
-- certificate and requirement page. order_issuances keeps the first time each
-- order reached issued, with its requirement's validation level then, and an
-- index that gives a level's newest 50 at once, whatever the number of orders.
CREATE TABLE order_issuances (
    order_id   bigint PRIMARY KEY REFERENCES orders(id) ON DELETE CASCADE,
    validation text NOT NULL,
    issued_at  timestamptz NOT NULL
);
CREATE INDEX order_issuances_newest_idx ON order_issuances (validation, issued_at DESC, order_id DESC);

-- +goose StatementBegin
CREATE FUNCTION record_order_issuance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO order_issuances (order_id, validation, issued_at)
    SELECT o.id, r.validation, NEW.at
    FROM orders o JOIN requirements r ON r.id = o.requirement_id
    WHERE o.id = NEW.order_id
    ON CONFLICT (order_id) DO UPDATE SET issued_at = EXCLUDED.issued_at
        WHERE EXCLUDED.issued_at < order_issuances.issued_at;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER order_history_issuance AFTER INSERT ON order_history
    FOR EACH ROW WHEN (NEW.to_state = 'issued') EXECUTE FUNCTION record_order_issuance();

INSERT INTO order_issuances (order_id, validation, issued_at)
SELECT o.id, r.validation, h.issued_at
FROM (SELECT order_id, min(at) AS issued_at FROM order_history WHERE to_state = 'issued' GROUP BY order_id) h
JOIN orders o ON o.id = h.order_id
JOIN requirements r ON r.id = o.requirement_id;

-- +goose Down
DROP TRIGGER order_history_issuance ON order_history;
DROP FUNCTION record_order_issuance();
DROP TABLE order_issuances;
