-- +goose Up
-- Indexes and derived tables for the read tools.

-- Ledger history newest first, for the whole store or one location.
CREATE INDEX inventory_adjustments_at ON inventory_adjustments (store_id, at, id);
CREATE INDEX inventory_adjustments_location_at ON inventory_adjustments (store_id, location_id, at, id);
-- Levels changed since the planning table was last brought up to date.
CREATE INDEX inventory_levels_updated ON inventory_levels (store_id, updated_at);

-- The planning tools (stock risks, reorder suggestions, dead stock,
-- inventory value) must answer for a whole store in milliseconds, which
-- no query over months of daily sales joined to every level can do. So
-- they read level_plan: one row per inventory level with its stock, its
-- sales windows, its reorder rule and supplier terms, and the results of
-- the reorder maths (urgency, out_of_stock, needs_reorder), indexed for
-- each list's order. storage/planning.go keeps it current: the whole table
-- on the first read of a day or after the inputs changed (the triggers
-- below mark it stale), and only the levels changed since the last read
-- (inventory_levels.updated_at) otherwise.
--
-- sales_summary holds per level the units sold over the 7, 28 and 90 full
-- days before as_of and the last day with a sale; level_plan is built from
-- it.
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

CREATE TABLE level_plan (
    store_id          BIGINT           NOT NULL,
    variant_id        BIGINT           NOT NULL,
    location_id       BIGINT           NOT NULL,
    on_hand           BIGINT           NOT NULL,
    available         BIGINT           NOT NULL,
    incoming          BIGINT           NOT NULL,
    units_7           BIGINT           NOT NULL,
    units_28          BIGINT           NOT NULL,
    units_90          BIGINT           NOT NULL,
    last_sale_day     DATE,
    min_qty           BIGINT,
    max_qty           BIGINT,
    safety_stock      BIGINT,
    lead_time_days    BIGINT,
    days_of_cover     BIGINT,
    supplier_id       BIGINT           NOT NULL, -- 0: none
    supplier_lead     BIGINT,
    pack_size         BIGINT,
    min_order_qty     BIGINT,
    unit_cost_cents   BIGINT,
    cost_cents        BIGINT           NOT NULL,
    price_cents       BIGINT           NOT NULL,
    vendor            TEXT             NOT NULL,
    value_cents       BIGINT           NOT NULL, -- on_hand × cost
    urgency           DOUBLE PRECISION NOT NULL,
    out_of_stock      BOOLEAN          NOT NULL,
    needs_reorder     BOOLEAN          NOT NULL,
    PRIMARY KEY (store_id, variant_id, location_id)
);
CREATE INDEX level_plan_urgency ON level_plan (store_id, urgency, variant_id, location_id);
CREATE INDEX level_plan_location ON level_plan (store_id, location_id, urgency, variant_id);
CREATE INDEX level_plan_supplier ON level_plan (store_id, supplier_id, variant_id, location_id);
CREATE INDEX level_plan_value ON level_plan (store_id, value_cents DESC, variant_id, location_id);

-- as_of is the day the tables were built for ('1970-01-01': stale);
-- levels_at is when the levels were last copied in.
CREATE TABLE sales_summary_state (
    store_id  BIGINT      NOT NULL PRIMARY KEY REFERENCES stores (id),
    as_of     DATE        NOT NULL,
    levels_at TIMESTAMPTZ NOT NULL,
    built_at  TIMESTAMPTZ NOT NULL
);

-- Variants whose reorder rules changed since their level_plan rows were
-- computed: ensurePlan recomputes just those rows, so a rule change costs
-- milliseconds on the next read instead of a rebuild of the whole store.
CREATE TABLE level_plan_dirty (
    store_id   BIGINT NOT NULL,
    variant_id BIGINT NOT NULL,
    PRIMARY KEY (store_id, variant_id)
);

-- Changes to the planning inputs mark the changed stores' tables stale.
-- Statement-level triggers with transition tables cost one UPDATE per
-- statement, also for a bulk COPY, and touch only the stores whose rows
-- changed, so one store's writes never force a rebuild on another's.
-- (A trigger with transition tables serves one event, hence three each.)
-- +goose StatementBegin
CREATE FUNCTION level_plan_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sales_summary_state SET as_of = DATE '1970-01-01'
    WHERE as_of <> DATE '1970-01-01' AND store_id IN (SELECT DISTINCT store_id FROM changed);
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION level_plan_dirty_variants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id)
    SELECT DISTINCT store_id, variant_id FROM changed ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION level_plan_stale_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sales_summary_state SET as_of = DATE '1970-01-01' WHERE as_of <> DATE '1970-01-01';
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['daily_sales', 'supplier_variants'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION level_plan_stale()', t || '_plan_insert', t);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I
            FOR EACH STATEMENT EXECUTE FUNCTION level_plan_stale_all()', t || '_plan_truncate', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['daily_sales', 'supplier_variants', 'suppliers', 'variants', 'products'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION level_plan_stale()', t || '_plan_update', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION level_plan_stale()', t || '_plan_delete', t);
    END LOOP;
END $$;
-- +goose StatementEnd

CREATE TRIGGER reorder_rules_plan_insert AFTER INSERT ON reorder_rules REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_dirty_variants();
CREATE TRIGGER reorder_rules_plan_update AFTER UPDATE ON reorder_rules REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_dirty_variants();
CREATE TRIGGER reorder_rules_plan_delete AFTER DELETE ON reorder_rules REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_dirty_variants();
CREATE TRIGGER reorder_rules_plan_truncate AFTER TRUNCATE ON reorder_rules
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_stale_all();

-- search_products matches text anywhere in a variant's SKU, barcode and
-- title and its product's title and vendor. Trigram indexes serve that when
-- the pg_trgm extension is there or can be installed (it is a trusted
-- extension since PostgreSQL 13); where it cannot, the migration goes on
-- without them and searches scan the store's variants instead.
-- +goose StatementBegin
DO $$
DECLARE
    ext_schema TEXT;
BEGIN
    SELECT n.nspname INTO ext_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    IF ext_schema IS NULL THEN
        CREATE EXTENSION pg_trgm SCHEMA public;
        ext_schema := 'public';
    END IF;
    EXECUTE format('CREATE INDEX variants_search ON variants USING gin ((lower(sku || '' '' || barcode || '' '' || title)) %I.gin_trgm_ops)', ext_schema);
    EXECUTE format('CREATE INDEX products_search ON products USING gin ((lower(title || '' '' || vendor)) %I.gin_trgm_ops)', ext_schema);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'no trigram indexes for product search (%): searches will scan', SQLERRM;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX IF EXISTS products_search;
DROP INDEX IF EXISTS variants_search;
DROP FUNCTION level_plan_stale() CASCADE;
DROP FUNCTION level_plan_stale_all() CASCADE;
DROP FUNCTION level_plan_dirty_variants() CASCADE;
DROP TABLE level_plan_dirty, sales_summary_state, level_plan, sales_summary;
DROP INDEX inventory_levels_updated;
DROP INDEX inventory_adjustments_location_at;
DROP INDEX inventory_adjustments_at;
