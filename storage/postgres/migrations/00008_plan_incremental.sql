-- +goose Up
-- Incremental upkeep of the planning table (issue 14).
--
-- Until now a change to a store's sales, supplier terms or catalogue
-- marked the whole store's level_plan stale, and the next read rebuilt it
-- (seconds at 100,000 variants). Now each change lists just the variants
-- it affects in level_plan_dirty, and storage/planning.go recomputes only
-- their sales_summary and level_plan rows: in the importing transaction,
-- or on the next read. TRUNCATE still marks everything stale.
DROP TRIGGER daily_sales_plan_insert ON daily_sales;
DROP TRIGGER daily_sales_plan_update ON daily_sales;
DROP TRIGGER daily_sales_plan_delete ON daily_sales;
DROP TRIGGER supplier_variants_plan_insert ON supplier_variants;
DROP TRIGGER supplier_variants_plan_update ON supplier_variants;
DROP TRIGGER supplier_variants_plan_delete ON supplier_variants;
DROP TRIGGER suppliers_plan_update ON suppliers;
DROP TRIGGER suppliers_plan_delete ON suppliers;
DROP TRIGGER variants_plan_update ON variants;
DROP TRIGGER variants_plan_delete ON variants;
DROP TRIGGER products_plan_update ON products;
DROP TRIGGER products_plan_delete ON products;

-- Rows whose own variant_id column names the variant (daily_sales,
-- supplier_variants and reorder_rules) use level_plan_dirty_variants from
-- migration 00002.
CREATE TRIGGER daily_sales_plan_insert AFTER INSERT ON daily_sales REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_dirty_variants();
CREATE TRIGGER daily_sales_plan_update AFTER UPDATE ON daily_sales REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_dirty_variants();
CREATE TRIGGER daily_sales_plan_delete AFTER DELETE ON daily_sales REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_dirty_variants();
CREATE TRIGGER supplier_variants_plan_insert AFTER INSERT ON supplier_variants REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_dirty_variants();
CREATE TRIGGER supplier_variants_plan_update AFTER UPDATE ON supplier_variants REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_dirty_variants();
CREATE TRIGGER supplier_variants_plan_delete AFTER DELETE ON supplier_variants REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_dirty_variants();

-- A variant's own row: its id.
-- +goose StatementBegin
CREATE FUNCTION level_plan_dirty_variant_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id)
    SELECT DISTINCT store_id, id FROM changed ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER variants_plan_update AFTER UPDATE ON variants REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_dirty_variant_rows();
CREATE TRIGGER variants_plan_delete AFTER DELETE ON variants REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_dirty_variant_rows();

-- A product (its vendor): the product's variants.
-- +goose StatementBegin
CREATE FUNCTION level_plan_dirty_product_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id)
    SELECT DISTINCT v.store_id, v.id FROM changed c JOIN variants v ON v.store_id = c.store_id AND v.product_id = c.id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER products_plan_update AFTER UPDATE ON products REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_dirty_product_rows();

-- A supplier's lead time: the variants it supplies (their planning rows
-- read it when it is their primary supplier; recomputing the others is
-- harmless). Other supplier fields are read by the tools at query time.
-- +goose StatementBegin
CREATE FUNCTION level_plan_dirty_supplier_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id)
    SELECT DISTINCT sv.store_id, sv.variant_id
    FROM changed c JOIN old_rows o ON o.store_id = c.store_id AND o.id = c.id
    JOIN supplier_variants sv ON sv.store_id = c.store_id AND sv.supplier_id = c.id
    WHERE o.lead_time_days IS DISTINCT FROM c.lead_time_days
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER suppliers_plan_update AFTER UPDATE ON suppliers REFERENCING OLD TABLE AS old_rows NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_dirty_supplier_rows();

-- What a suggested order would be, computed with the row (the SQL restates
-- inventory.ReorderInputs.SuggestedQuantity; the planning tests compare),
-- so that a supplier's total covers all its lines, not one page's.
ALTER TABLE level_plan ADD COLUMN suggest_qty BIGINT NOT NULL DEFAULT 0;
ALTER TABLE level_plan ADD COLUMN suggest_cents BIGINT NOT NULL DEFAULT 0;
-- Reorder suggestions: per supplier, most urgent first; the overview's
-- counts read the two partial indexes instead of every row.
CREATE INDEX level_plan_reorder ON level_plan (store_id, supplier_id, urgency, variant_id, location_id, suggest_cents) WHERE needs_reorder;
CREATE INDEX level_plan_out ON level_plan (store_id, urgency) WHERE out_of_stock;
-- The store's stock value (units on hand, at cost, at retail), kept with
-- the rows so that get_store_overview reads one row instead of summing
-- every level (a scan of 137,000 rows took 0.1–1 s on SQLite).
ALTER TABLE sales_summary_state ADD COLUMN units_on_hand BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sales_summary_state ADD COLUMN cost_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sales_summary_state ADD COLUMN retail_cents BIGINT NOT NULL DEFAULT 0;
-- Force a rebuild so the new columns are filled.
UPDATE sales_summary_state SET as_of = DATE '1970-01-01';

-- +goose Down
ALTER TABLE sales_summary_state DROP COLUMN retail_cents;
ALTER TABLE sales_summary_state DROP COLUMN cost_cents;
ALTER TABLE sales_summary_state DROP COLUMN units_on_hand;
DROP INDEX level_plan_out;
DROP INDEX level_plan_reorder;
ALTER TABLE level_plan DROP COLUMN suggest_cents;
ALTER TABLE level_plan DROP COLUMN suggest_qty;
DROP TRIGGER suppliers_plan_update ON suppliers;
DROP FUNCTION level_plan_dirty_supplier_rows();
DROP TRIGGER products_plan_update ON products;
DROP FUNCTION level_plan_dirty_product_rows();
DROP TRIGGER variants_plan_update ON variants;
DROP TRIGGER variants_plan_delete ON variants;
DROP FUNCTION level_plan_dirty_variant_rows();
DROP TRIGGER daily_sales_plan_insert ON daily_sales;
DROP TRIGGER daily_sales_plan_update ON daily_sales;
DROP TRIGGER daily_sales_plan_delete ON daily_sales;
DROP TRIGGER supplier_variants_plan_insert ON supplier_variants;
DROP TRIGGER supplier_variants_plan_update ON supplier_variants;
DROP TRIGGER supplier_variants_plan_delete ON supplier_variants;
-- +goose StatementBegin
DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['daily_sales', 'supplier_variants'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION level_plan_stale()', t || '_plan_insert', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['daily_sales', 'supplier_variants', 'suppliers', 'variants', 'products'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION level_plan_stale()', t || '_plan_update', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION level_plan_stale()', t || '_plan_delete', t);
    END LOOP;
END $$;
-- +goose StatementEnd
UPDATE sales_summary_state SET as_of = DATE '1970-01-01';
