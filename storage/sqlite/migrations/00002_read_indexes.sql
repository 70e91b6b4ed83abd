-- +goose Up
-- Indexes and derived tables for the read tools; see the PostgreSQL
-- migration of the same number for why.

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
    urgency           REAL             NOT NULL,
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
    levels_at TIMESTAMP   NOT NULL,
    built_at  TIMESTAMP   NOT NULL
);

-- Variants whose reorder rules changed since their level_plan rows were
-- computed: ensurePlan recomputes just those rows, so a rule change costs
-- milliseconds on the next read instead of a rebuild of the whole store.
CREATE TABLE level_plan_dirty (
    store_id   BIGINT NOT NULL,
    variant_id BIGINT NOT NULL,
    PRIMARY KEY (store_id, variant_id)
);

-- (Not INSERT OR IGNORE: inside a trigger the outer statement's conflict
-- handling wins, and set_reorder_rules' upsert would make it fail.)
-- SQLite has no statement-level triggers; these row triggers touch only
-- the changed store's state row (one primary-key update).
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
CREATE TRIGGER reorder_rules_plan_insert AFTER INSERT ON reorder_rules BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id) SELECT NEW.store_id, NEW.variant_id
    WHERE NOT EXISTS (SELECT 1 FROM level_plan_dirty WHERE store_id = NEW.store_id AND variant_id = NEW.variant_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER reorder_rules_plan_update AFTER UPDATE ON reorder_rules BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id) SELECT NEW.store_id, NEW.variant_id
    WHERE NOT EXISTS (SELECT 1 FROM level_plan_dirty WHERE store_id = NEW.store_id AND variant_id = NEW.variant_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER reorder_rules_plan_delete AFTER DELETE ON reorder_rules BEGIN
    INSERT INTO level_plan_dirty (store_id, variant_id) SELECT OLD.store_id, OLD.variant_id
    WHERE NOT EXISTS (SELECT 1 FROM level_plan_dirty WHERE store_id = OLD.store_id AND variant_id = OLD.variant_id);
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

-- +goose Down
DROP TRIGGER daily_sales_plan_insert;
DROP TRIGGER daily_sales_plan_update;
DROP TRIGGER daily_sales_plan_delete;
DROP TRIGGER reorder_rules_plan_insert;
DROP TRIGGER reorder_rules_plan_update;
DROP TRIGGER reorder_rules_plan_delete;
DROP TRIGGER supplier_variants_plan_insert;
DROP TRIGGER supplier_variants_plan_update;
DROP TRIGGER supplier_variants_plan_delete;
DROP TRIGGER suppliers_plan_update;
DROP TRIGGER suppliers_plan_delete;
DROP TRIGGER variants_plan_update;
DROP TRIGGER variants_plan_delete;
DROP TRIGGER products_plan_update;
DROP TRIGGER products_plan_delete;
DROP TABLE level_plan_dirty;
DROP TABLE sales_summary_state;
DROP TABLE level_plan;
DROP TABLE sales_summary;
DROP INDEX inventory_levels_updated;
DROP INDEX inventory_adjustments_location_at;
DROP INDEX inventory_adjustments_at;
