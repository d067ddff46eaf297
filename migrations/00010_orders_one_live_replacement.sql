-- An order has at most one live replacement: a second draft copy of the same
-- order is how one correction turns into two paid orders.

-- +goose Up
-- Replacements made before this rule: keep the one furthest along (a submitted
-- one before a draft, then the oldest); cancel the other drafts, which never
-- left the portal, and unlink the others that did, saying so in their history.
WITH ranked AS (
    SELECT id, state, replaces_order_id,
        row_number() OVER (PARTITION BY replaces_order_id
                           ORDER BY (state = 'draft'), id) AS rank
    FROM orders
    WHERE replaces_order_id IS NOT NULL AND state NOT IN ('issued', 'declined', 'cancelled')
), extra AS (
    SELECT id, state, replaces_order_id FROM ranked WHERE rank > 1
), cancelled AS (
    UPDATE orders o SET state = 'cancelled', updated_at = now(),
        cancel_reason = 'a second replacement of order ' || e.replaces_order_id || ', cancelled when orders got one live replacement each'
    FROM extra e WHERE o.id = e.id AND e.state = 'draft'
    RETURNING o.id, e.replaces_order_id
), unlinked AS (
    UPDATE orders o SET replaces_order_id = NULL, updated_at = now()
    FROM extra e WHERE o.id = e.id AND e.state <> 'draft'
    RETURNING o.id, e.replaces_order_id, o.state
)
INSERT INTO order_history (order_id, from_state, to_state, note)
SELECT id, 'draft', 'cancelled', 'cancelled: a second replacement of order ' || replaces_order_id FROM cancelled
UNION ALL
SELECT id, state, state, 'no longer linked as a replacement of order ' || replaces_order_id || ': another replacement of it was already under way' FROM unlinked;

CREATE UNIQUE INDEX orders_one_live_replacement ON orders (replaces_order_id)
    WHERE replaces_order_id IS NOT NULL AND state NOT IN ('issued', 'declined', 'cancelled');

-- +goose Down
DROP INDEX orders_one_live_replacement;
