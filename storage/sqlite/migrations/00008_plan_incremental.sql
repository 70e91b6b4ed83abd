-- +goose Up
-- Incremental upkeep of the planning table (issue 14); see the PostgreSQL
-- migration of the same number. Each change lists the variants it affects
-- in level_plan_dirty instead of marking the whole store stale. (NOT
-- EXISTS rather than OR IGNORE: an outer upsert's conflict clause would
-- override the trigger's.)
DROP TRIGGER daily_sales_plan_insert;
DROP TRIGGER daily_sales_plan_update;
DROP TRIGGER daily_sales_plan_delete;
DROP TRIGGER supplier_variants_plan_insert;
DROP TRIGGER supplier_variants_plan_update;
DROP TRIGGER supplier_variants_plan_delete;
DROP TRIGGER suppliers_plan_update;
DROP TRIGGER suppliers_plan_delete;
DROP TRIGGER variants_plan_update;
DROP TRIGGER variants_plan_delete;
DROP TRIGGER products_plan_update;
DROP TRIGGER products_plan_delete;

-- +goose StatementBegin
CREATE TRIGGER daily_sales_plan_insert AFTER INSERT ON daily_sales BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id) SELECT NEW.store_id, NEW.variant_id
    WHERE NOT EXISTS (SELECT 1 FROM level_plan_dirty WHERE store_id = NEW.store_id AND variant_id = NEW.variant_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER daily_sales_plan_update AFTER UPDATE ON daily_sales BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id) SELECT NEW.store_id, NEW.variant_id
    WHERE NOT EXISTS (SELECT 1 FROM level_plan_dirty WHERE store_id = NEW.store_id AND variant_id = NEW.variant_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER daily_sales_plan_delete AFTER DELETE ON daily_sales BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id) SELECT OLD.store_id, OLD.variant_id
    WHERE NOT EXISTS (SELECT 1 FROM level_plan_dirty WHERE store_id = OLD.store_id AND variant_id = OLD.variant_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER supplier_variants_plan_insert AFTER INSERT ON supplier_variants BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id) SELECT NEW.store_id, NEW.variant_id
    WHERE NOT EXISTS (SELECT 1 FROM level_plan_dirty WHERE store_id = NEW.store_id AND variant_id = NEW.variant_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER supplier_variants_plan_update AFTER UPDATE ON supplier_variants BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id) SELECT NEW.store_id, NEW.variant_id
    WHERE NOT EXISTS (SELECT 1 FROM level_plan_dirty WHERE store_id = NEW.store_id AND variant_id = NEW.variant_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER supplier_variants_plan_delete AFTER DELETE ON supplier_variants BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id) SELECT OLD.store_id, OLD.variant_id
    WHERE NOT EXISTS (SELECT 1 FROM level_plan_dirty WHERE store_id = OLD.store_id AND variant_id = OLD.variant_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER variants_plan_update AFTER UPDATE ON variants BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id) SELECT NEW.store_id, NEW.id
    WHERE NOT EXISTS (SELECT 1 FROM level_plan_dirty WHERE store_id = NEW.store_id AND variant_id = NEW.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER variants_plan_delete AFTER DELETE ON variants BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id) SELECT OLD.store_id, OLD.id
    WHERE NOT EXISTS (SELECT 1 FROM level_plan_dirty WHERE store_id = OLD.store_id AND variant_id = OLD.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER products_plan_update AFTER UPDATE ON products BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id)
    SELECT store_id, id FROM variants v WHERE store_id = NEW.store_id AND product_id = NEW.id
    AND NOT EXISTS (SELECT 1 FROM level_plan_dirty d WHERE d.store_id = v.store_id AND d.variant_id = v.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER suppliers_plan_update AFTER UPDATE OF lead_time_days ON suppliers
WHEN OLD.lead_time_days IS NOT NEW.lead_time_days BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id)
    SELECT DISTINCT store_id, variant_id FROM supplier_variants sv WHERE store_id = NEW.store_id AND supplier_id = NEW.id
    AND NOT EXISTS (SELECT 1 FROM level_plan_dirty d WHERE d.store_id = sv.store_id AND d.variant_id = sv.variant_id);
END;
-- +goose StatementEnd

ALTER TABLE level_plan ADD COLUMN suggest_qty BIGINT NOT NULL DEFAULT 0;
ALTER TABLE level_plan ADD COLUMN suggest_cents BIGINT NOT NULL DEFAULT 0;
-- SQLite reads a partial index as covering only when it holds every
-- column the query names, the predicate's too (else it fetches each row to
-- check it: 0.4 s for the suggestions' per-supplier totals).
CREATE INDEX level_plan_reorder ON level_plan (store_id, supplier_id, urgency, variant_id, location_id, suggest_cents, needs_reorder) WHERE needs_reorder;
CREATE INDEX level_plan_out ON level_plan (store_id, urgency, out_of_stock) WHERE out_of_stock;
-- The store's stock value (units on hand, at cost, at retail), kept with
-- the rows so that get_store_overview reads one row instead of summing
-- every level (a scan of 137,000 rows took 0.1–1 s on SQLite).
ALTER TABLE sales_summary_state ADD COLUMN units_on_hand BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sales_summary_state ADD COLUMN cost_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sales_summary_state ADD COLUMN retail_cents BIGINT NOT NULL DEFAULT 0;
UPDATE sales_summary_state SET as_of = '1970-01-01';

-- +goose Down
ALTER TABLE sales_summary_state DROP COLUMN retail_cents;
ALTER TABLE sales_summary_state DROP COLUMN cost_cents;
ALTER TABLE sales_summary_state DROP COLUMN units_on_hand;
DROP INDEX level_plan_out;
DROP INDEX level_plan_reorder;
ALTER TABLE level_plan DROP COLUMN suggest_cents;
ALTER TABLE level_plan DROP COLUMN suggest_qty;
DROP TRIGGER daily_sales_plan_insert;
DROP TRIGGER daily_sales_plan_update;
DROP TRIGGER daily_sales_plan_delete;
DROP TRIGGER supplier_variants_plan_insert;
DROP TRIGGER supplier_variants_plan_update;
DROP TRIGGER supplier_variants_plan_delete;
DROP TRIGGER variants_plan_update;
DROP TRIGGER variants_plan_delete;
DROP TRIGGER products_plan_update;
DROP TRIGGER suppliers_plan_update;
-- +goose StatementBegin
CREATE TRIGGER daily_sales_plan_insert AFTER INSERT ON daily_sales BEGIN
    UPDATE sales_summary_state SET as_of = '1970-01-01' WHERE store_id = NEW.store_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER daily_sales_plan_update AFTER UPDATE ON daily_sales BEGIN
    UPDATE sales_summary_state SET as_of = '1970-01-01' WHERE store_id = NEW.store_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER daily_sales_plan_delete AFTER DELETE ON daily_sales BEGIN
    UPDATE sales_summary_state SET as_of = '1970-01-01' WHERE store_id = OLD.store_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER supplier_variants_plan_insert AFTER INSERT ON supplier_variants BEGIN
    UPDATE sales_summary_state SET as_of = '1970-01-01' WHERE store_id = NEW.store_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER supplier_variants_plan_update AFTER UPDATE ON supplier_variants BEGIN
    UPDATE sales_summary_state SET as_of = '1970-01-01' WHERE store_id = NEW.store_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER supplier_variants_plan_delete AFTER DELETE ON supplier_variants BEGIN
    UPDATE sales_summary_state SET as_of = '1970-01-01' WHERE store_id = OLD.store_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER suppliers_plan_update AFTER UPDATE ON suppliers BEGIN
    UPDATE sales_summary_state SET as_of = '1970-01-01' WHERE store_id = NEW.store_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER suppliers_plan_delete AFTER DELETE ON suppliers BEGIN
    UPDATE sales_summary_state SET as_of = '1970-01-01' WHERE store_id = OLD.store_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER variants_plan_update AFTER UPDATE ON variants BEGIN
    UPDATE sales_summary_state SET as_of = '1970-01-01' WHERE store_id = NEW.store_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER variants_plan_delete AFTER DELETE ON variants BEGIN
    UPDATE sales_summary_state SET as_of = '1970-01-01' WHERE store_id = OLD.store_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER products_plan_update AFTER UPDATE ON products BEGIN
    UPDATE sales_summary_state SET as_of = '1970-01-01' WHERE store_id = NEW.store_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER products_plan_delete AFTER DELETE ON products BEGIN
    UPDATE sales_summary_state SET as_of = '1970-01-01' WHERE store_id = OLD.store_id;
END;
-- +goose StatementEnd
UPDATE sales_summary_state SET as_of = '1970-01-01';
