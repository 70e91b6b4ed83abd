-- +goose Up
-- Indexes and a derived table for the read tools (see the PostgreSQL
-- migration of the same number for why).

CREATE INDEX inventory_adjustments_at ON inventory_adjustments (store_id, at, id);
CREATE INDEX inventory_adjustments_location_at ON inventory_adjustments (store_id, location_id, at, id);

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
    store_id BIGINT    NOT NULL PRIMARY KEY REFERENCES stores (id),
    as_of    DATE      NOT NULL,
    built_at TIMESTAMP NOT NULL
);

-- SQLite has no statement-level triggers; a row trigger that touches only
-- the changed store's state row is cheap (one primary-key update).
-- +goose StatementBegin
CREATE TRIGGER daily_sales_inserted AFTER INSERT ON daily_sales BEGIN
    UPDATE sales_summary_state SET as_of = '1970-01-01' WHERE store_id = NEW.store_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER daily_sales_updated AFTER UPDATE ON daily_sales BEGIN
    UPDATE sales_summary_state SET as_of = '1970-01-01' WHERE store_id = NEW.store_id OR store_id = OLD.store_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER daily_sales_deleted AFTER DELETE ON daily_sales BEGIN
    UPDATE sales_summary_state SET as_of = '1970-01-01' WHERE store_id = OLD.store_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER daily_sales_deleted;
DROP TRIGGER daily_sales_updated;
DROP TRIGGER daily_sales_inserted;
DROP TABLE sales_summary_state;
DROP TABLE sales_summary;
DROP INDEX inventory_adjustments_location_at;
DROP INDEX inventory_adjustments_at;
