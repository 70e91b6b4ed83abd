-- +goose Up
-- Purchase orders as merchants run them (issue 22): the supplier's
-- confirmation, payments and what an order was before it ended.

-- The supplier's confirmation. requested_date keeps the expected date the
-- order asked for once a confirmed date replaces expected_date (so overdue,
-- the overview and the stock risks follow the confirmed date unchanged).
ALTER TABLE purchase_orders ADD COLUMN confirmed_at TIMESTAMP;
ALTER TABLE purchase_orders ADD COLUMN supplier_reference TEXT NOT NULL DEFAULT '';
ALTER TABLE purchase_orders ADD COLUMN requested_date DATE;
-- The sum of the order's payments that are not void, kept by the payment
-- writes, so list_purchase_orders filters by payment status in one query.
ALTER TABLE purchase_orders ADD COLUMN paid_cents BIGINT NOT NULL DEFAULT 0;
-- A line's confirmed quantity (NULL: as ordered) and date; what is open is
-- then confirmed - received - rejected.
ALTER TABLE purchase_order_lines ADD COLUMN quantity_confirmed BIGINT;
ALTER TABLE purchase_order_lines ADD COLUMN confirmed_date DATE;

CREATE TABLE purchase_order_payments (
    store_id          BIGINT      NOT NULL,
    id                INTEGER PRIMARY KEY,
    purchase_order_id BIGINT      NOT NULL,
    reference         TEXT        NOT NULL,
    amount_cents      BIGINT      NOT NULL,
    paid_on           DATE        NOT NULL,
    method            TEXT        NOT NULL DEFAULT '',
    key_id            BIGINT,
    created_at        TIMESTAMP NOT NULL,
    voided_at         TIMESTAMP,
    void_reason       TEXT        NOT NULL DEFAULT '',
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, purchase_order_id) REFERENCES purchase_orders (store_id, id)
);
-- A reference names one live payment of an order; a voided one frees it.
CREATE UNIQUE INDEX purchase_order_payments_reference ON purchase_order_payments (store_id, purchase_order_id, reference)
    WHERE voided_at IS NULL;
CREATE INDEX purchase_order_payments_order ON purchase_order_payments (store_id, purchase_order_id);

-- +goose Down
DROP TABLE purchase_order_payments;
ALTER TABLE purchase_order_lines DROP COLUMN confirmed_date;
ALTER TABLE purchase_order_lines DROP COLUMN quantity_confirmed;
ALTER TABLE purchase_orders DROP COLUMN paid_cents;
ALTER TABLE purchase_orders DROP COLUMN requested_date;
ALTER TABLE purchase_orders DROP COLUMN supplier_reference;
ALTER TABLE purchase_orders DROP COLUMN confirmed_at;
