-- +goose Up
-- Indexes and a derived table for the read tools.

-- Ledger history newest first, for the whole store or one location.
CREATE INDEX inventory_adjustments_at ON inventory_adjustments (store_id, at, id);
CREATE INDEX inventory_adjustments_location_at ON inventory_adjustments (store_id, location_id, at, id);

-- sales_summary holds, per variant and location, the units sold over the
-- 7, 28 and 90 full days before sales_summary_state.as_of and the last day
-- with a sale, so that the stock-risk, reorder and dead-stock tools read
-- one row per inventory level instead of months of daily sales. It is
-- rebuilt on the first read of a day, and after any change to daily_sales
-- (the trigger below marks it stale), see storage/planning.go.
CREATE TABLE sales_summary (
    store_id      BIGINT NOT NULL,
    variant_id    BIGINT NOT NULL,
    location_id   BIGINT NOT NULL,
    units_7       BIGINT NOT NULL,
    units_28      BIGINT NOT NULL,
    units_90      BIGINT NOT NULL,
    last_sale_day DATE,
    PRIMARY KEY (store_id, variant_id, location_id)
);

CREATE TABLE sales_summary_state (
    store_id BIGINT      NOT NULL PRIMARY KEY REFERENCES stores (id),
    as_of    DATE        NOT NULL,
    built_at TIMESTAMPTZ NOT NULL
);

-- A statement-level trigger costs one tiny UPDATE per statement, also for
-- a bulk COPY; it marks every store's summary stale rather than capturing
-- the changed rows to find their stores, which would slow bulk loads.
-- +goose StatementBegin
CREATE FUNCTION sales_summary_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sales_summary_state SET as_of = DATE '1970-01-01' WHERE as_of <> DATE '1970-01-01';
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER daily_sales_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON daily_sales
    FOR EACH STATEMENT EXECUTE FUNCTION sales_summary_stale();

-- +goose Down
DROP TRIGGER daily_sales_changed ON daily_sales;
DROP FUNCTION sales_summary_stale();
DROP TABLE sales_summary_state, sales_summary;
DROP INDEX inventory_adjustments_location_at;
DROP INDEX inventory_adjustments_at;
