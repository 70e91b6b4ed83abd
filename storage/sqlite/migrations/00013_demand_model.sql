-- +goose Up
-- The demand model (planning/): sales_summary now holds, per inventory
-- level, the forecast and the replenishment plan computed from the level's
-- history, and level_plan the figures its lists filter and sort by.
ALTER TABLE stores ADD COLUMN service_level REAL NOT NULL DEFAULT 95;
ALTER TABLE reorder_rules ADD COLUMN service_level REAL;

ALTER TABLE sales_summary ADD COLUMN method TEXT NOT NULL DEFAULT '';
ALTER TABLE sales_summary ADD COLUMN demand_class TEXT NOT NULL DEFAULT '';
ALTER TABLE sales_summary ADD COLUMN forecast TEXT NOT NULL DEFAULT '';
ALTER TABLE sales_summary ADD COLUMN rate REAL NOT NULL DEFAULT 0;
ALTER TABLE sales_summary ADD COLUMN sigma_d REAL NOT NULL DEFAULT 0;
ALTER TABLE sales_summary ADD COLUMN lead_mean REAL NOT NULL DEFAULT 0;
ALTER TABLE sales_summary ADD COLUMN lead_sigma REAL NOT NULL DEFAULT 0;
ALTER TABLE sales_summary ADD COLUMN lead_source TEXT NOT NULL DEFAULT '';
ALTER TABLE sales_summary ADD COLUMN lead_receipts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sales_summary ADD COLUMN service_level REAL NOT NULL DEFAULT 0;
ALTER TABLE sales_summary ADD COLUMN z REAL NOT NULL DEFAULT 0;
ALTER TABLE sales_summary ADD COLUMN safety_stock REAL NOT NULL DEFAULT 0;
ALTER TABLE sales_summary ADD COLUMN reorder_point REAL; -- NULL: never reorders
ALTER TABLE sales_summary ADD COLUMN target REAL NOT NULL DEFAULT 0;
ALTER TABLE sales_summary ADD COLUMN revenue_90 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sales_summary ADD COLUMN bt_abs_error REAL NOT NULL DEFAULT 0;
ALTER TABLE sales_summary ADD COLUMN bt_error REAL NOT NULL DEFAULT 0;
ALTER TABLE sales_summary ADD COLUMN bt_actual REAL NOT NULL DEFAULT 0;

ALTER TABLE level_plan ADD COLUMN rate REAL NOT NULL DEFAULT 0;
ALTER TABLE level_plan ADD COLUMN reorder_point REAL;
ALTER TABLE level_plan ADD COLUMN target REAL NOT NULL DEFAULT 0;

-- The store-wide figures of the day's build: forecast accuracy and the
-- revenue at which a variant is A or B (ABC by 90-day revenue).
ALTER TABLE sales_summary_state ADD COLUMN bt_abs_error REAL NOT NULL DEFAULT 0;
ALTER TABLE sales_summary_state ADD COLUMN bt_error REAL NOT NULL DEFAULT 0;
ALTER TABLE sales_summary_state ADD COLUMN bt_actual REAL NOT NULL DEFAULT 0;
ALTER TABLE sales_summary_state ADD COLUMN abc_a_cents BIGINT;
ALTER TABLE sales_summary_state ADD COLUMN abc_b_cents BIGINT;

-- The rows are recomputed with the new columns on the next read.
UPDATE sales_summary_state SET as_of = '1970-01-01';

-- Lead times are measured from receipts: the ledger rows of a purchase
-- order's receipt, found by its number.
CREATE INDEX inventory_adjustments_document ON inventory_adjustments (store_id, document_number) WHERE document_number <> '';

-- When each level was out of stock (available <= 0), so that the days
-- that ended out of stock are left out of its demand history. Kept by
-- triggers with the level's own updated_at, so every path that changes a
-- level records it.
CREATE TABLE stockout_spans (
    store_id    BIGINT    NOT NULL,
    variant_id  BIGINT    NOT NULL,
    location_id BIGINT    NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    ended_at    TIMESTAMP
);
CREATE INDEX stockout_spans_level ON stockout_spans (store_id, variant_id, location_id, started_at);

-- +goose StatementBegin
CREATE TRIGGER stockout_spans_insert AFTER INSERT ON inventory_levels WHEN NEW.available <= 0 BEGIN
    INSERT INTO stockout_spans (store_id, variant_id, location_id, started_at) VALUES (NEW.store_id, NEW.variant_id, NEW.location_id, NEW.updated_at);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER stockout_spans_start AFTER UPDATE OF on_hand, committed, reserved, damaged, safety_stock, quality_control ON inventory_levels
WHEN OLD.available > 0 AND NEW.available <= 0 BEGIN
    INSERT INTO stockout_spans (store_id, variant_id, location_id, started_at)
    SELECT NEW.store_id, NEW.variant_id, NEW.location_id, NEW.updated_at
    WHERE NOT EXISTS (SELECT 1 FROM stockout_spans WHERE store_id = NEW.store_id AND variant_id = NEW.variant_id
        AND location_id = NEW.location_id AND ended_at IS NULL);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER stockout_spans_end AFTER UPDATE OF on_hand, committed, reserved, damaged, safety_stock, quality_control ON inventory_levels
WHEN OLD.available <= 0 AND NEW.available > 0 BEGIN
    UPDATE stockout_spans SET ended_at = NEW.updated_at WHERE store_id = NEW.store_id AND variant_id = NEW.variant_id
        AND location_id = NEW.location_id AND ended_at IS NULL;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER stockout_spans_delete AFTER DELETE ON inventory_levels BEGIN
    DELETE FROM stockout_spans WHERE store_id = OLD.store_id AND variant_id = OLD.variant_id AND location_id = OLD.location_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER stockout_spans_delete;
DROP TRIGGER stockout_spans_end;
DROP TRIGGER stockout_spans_start;
DROP TRIGGER stockout_spans_insert;
DROP TABLE stockout_spans;
DROP INDEX inventory_adjustments_document;
ALTER TABLE sales_summary_state DROP COLUMN abc_b_cents;
ALTER TABLE sales_summary_state DROP COLUMN abc_a_cents;
ALTER TABLE sales_summary_state DROP COLUMN bt_actual;
ALTER TABLE sales_summary_state DROP COLUMN bt_error;
ALTER TABLE sales_summary_state DROP COLUMN bt_abs_error;
ALTER TABLE level_plan DROP COLUMN target;
ALTER TABLE level_plan DROP COLUMN reorder_point;
ALTER TABLE level_plan DROP COLUMN rate;
ALTER TABLE sales_summary DROP COLUMN bt_actual;
ALTER TABLE sales_summary DROP COLUMN bt_error;
ALTER TABLE sales_summary DROP COLUMN bt_abs_error;
ALTER TABLE sales_summary DROP COLUMN revenue_90;
ALTER TABLE sales_summary DROP COLUMN target;
ALTER TABLE sales_summary DROP COLUMN reorder_point;
ALTER TABLE sales_summary DROP COLUMN safety_stock;
ALTER TABLE sales_summary DROP COLUMN z;
ALTER TABLE sales_summary DROP COLUMN service_level;
ALTER TABLE sales_summary DROP COLUMN lead_receipts;
ALTER TABLE sales_summary DROP COLUMN lead_source;
ALTER TABLE sales_summary DROP COLUMN lead_sigma;
ALTER TABLE sales_summary DROP COLUMN lead_mean;
ALTER TABLE sales_summary DROP COLUMN sigma_d;
ALTER TABLE sales_summary DROP COLUMN rate;
ALTER TABLE sales_summary DROP COLUMN forecast;
ALTER TABLE sales_summary DROP COLUMN demand_class;
ALTER TABLE sales_summary DROP COLUMN method;
ALTER TABLE reorder_rules DROP COLUMN service_level;
ALTER TABLE stores DROP COLUMN service_level;
