-- +goose Up
-- Read paths that scanned the store at 100,000 variants (issue 14); see
-- the PostgreSQL migration of the same number.

-- One SKU's ledger, newest first. Without it SQLite walked the store's
-- ledger by (store, at) and skipped every other variant's rows.
CREATE INDEX inventory_adjustments_variant_at ON inventory_adjustments (store_id, variant_id, at, id);

-- search_products matches text anywhere in a variant's SKU, barcode and
-- title and its product's title and vendor: no b-tree serves '%text%', and
-- evaluating it on every variant cost 0.1–0.5 s. FTS5's trigram tokenizer
-- answers LIKE '%text%' (three characters or more) from an index, as
-- pg_trgm does on PostgreSQL. rowid is the variant's (product's) id; the
-- text is what the search matches, kept by the triggers below. A LIKE on
-- the text is SQLite's own LIKE (FTS5 only narrows the rows it tests), so
-- the answers are those of the scan.
CREATE VIRTUAL TABLE variants_search USING fts5(store_id UNINDEXED, text, tokenize = 'trigram');
CREATE VIRTUAL TABLE products_search USING fts5(store_id UNINDEXED, text, tokenize = 'trigram');
INSERT INTO variants_search (rowid, store_id, text) SELECT id, store_id, sku || ' ' || barcode || ' ' || title FROM variants;
INSERT INTO products_search (rowid, store_id, text) SELECT id, store_id, title || ' ' || vendor FROM products;

-- +goose StatementBegin
CREATE TRIGGER variants_search_insert AFTER INSERT ON variants BEGIN
    INSERT INTO variants_search (rowid, store_id, text) VALUES (NEW.id, NEW.store_id, NEW.sku || ' ' || NEW.barcode || ' ' || NEW.title);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER variants_search_update AFTER UPDATE OF id, store_id, sku, barcode, title ON variants BEGIN
    DELETE FROM variants_search WHERE rowid = OLD.id;
    INSERT INTO variants_search (rowid, store_id, text) VALUES (NEW.id, NEW.store_id, NEW.sku || ' ' || NEW.barcode || ' ' || NEW.title);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER variants_search_delete AFTER DELETE ON variants BEGIN
    DELETE FROM variants_search WHERE rowid = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER products_search_insert AFTER INSERT ON products BEGIN
    INSERT INTO products_search (rowid, store_id, text) VALUES (NEW.id, NEW.store_id, NEW.title || ' ' || NEW.vendor);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER products_search_update AFTER UPDATE OF id, store_id, title, vendor ON products BEGIN
    DELETE FROM products_search WHERE rowid = OLD.id;
    INSERT INTO products_search (rowid, store_id, text) VALUES (NEW.id, NEW.store_id, NEW.title || ' ' || NEW.vendor);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER products_search_delete AFTER DELETE ON products BEGIN
    DELETE FROM products_search WHERE rowid = OLD.id;
END;
-- +goose StatementEnd

-- get_inventory_value and list_dead_stock's totals summed every level_plan
-- row of the store (0.2–0.7 s on either backend at 100,000 variants, no
-- index can shorten a sum over the whole store). level_plan_totals holds
-- those sums per location, supplier, vendor and last sale day, over the
-- rows with stock on hand: a few thousand rows for such a store, which the
-- tools group as asked. The triggers keep it with level_plan in the same
-- statement, whoever writes the rows (rebuild, fold, rollover).
-- last_sale_day is '' for a level that never sold (so "no sale since" is
-- one comparison). The money sums are REAL, like the total() the reads
-- always summed with: exact to 2^53 hundredths, never failing a write.
CREATE TABLE level_plan_totals (
    store_id      BIGINT NOT NULL,
    last_sale_day DATE   NOT NULL,
    location_id   BIGINT NOT NULL,
    supplier_id   BIGINT NOT NULL,
    vendor        TEXT   NOT NULL,
    levels        BIGINT NOT NULL,
    units         BIGINT NOT NULL,
    cost_cents    REAL   NOT NULL,
    retail_cents  REAL   NOT NULL,
    PRIMARY KEY (store_id, last_sale_day, location_id, supplier_id, vendor)
);
INSERT INTO level_plan_totals (store_id, last_sale_day, location_id, supplier_id, vendor, levels, units, cost_cents, retail_cents)
SELECT store_id, COALESCE(last_sale_day, ''), location_id, supplier_id, vendor, COUNT(*), SUM(on_hand), total(value_cents),
    total(max(min(level_plan.on_hand * level_plan.price_cents, 9223372036854775807), (-9223372036854775807 - 1)))
FROM level_plan WHERE on_hand > 0 GROUP BY store_id, COALESCE(last_sale_day, ''), location_id, supplier_id, vendor;

-- (UPDATE, then INSERT … WHERE NOT EXISTS rather than an upsert, as in
-- migration 00002.)
-- +goose StatementBegin
CREATE TRIGGER level_plan_totals_insert AFTER INSERT ON level_plan WHEN NEW.on_hand > 0 BEGIN
    UPDATE level_plan_totals SET levels = levels + 1, units = units + NEW.on_hand, cost_cents = cost_cents + NEW.value_cents,
        retail_cents = retail_cents + max(min(NEW.on_hand * NEW.price_cents, 9223372036854775807), (-9223372036854775807 - 1))
    WHERE store_id = NEW.store_id AND last_sale_day = COALESCE(NEW.last_sale_day, '') AND location_id = NEW.location_id
        AND supplier_id = NEW.supplier_id AND vendor = NEW.vendor;
    INSERT INTO level_plan_totals (store_id, last_sale_day, location_id, supplier_id, vendor, levels, units, cost_cents, retail_cents)
    SELECT NEW.store_id, COALESCE(NEW.last_sale_day, ''), NEW.location_id, NEW.supplier_id, NEW.vendor, 1, NEW.on_hand, NEW.value_cents,
        max(min(NEW.on_hand * NEW.price_cents, 9223372036854775807), (-9223372036854775807 - 1))
    WHERE NOT EXISTS (SELECT 1 FROM level_plan_totals WHERE store_id = NEW.store_id AND last_sale_day = COALESCE(NEW.last_sale_day, '') AND location_id = NEW.location_id
        AND supplier_id = NEW.supplier_id AND vendor = NEW.vendor);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER level_plan_totals_delete AFTER DELETE ON level_plan WHEN OLD.on_hand > 0 BEGIN
    UPDATE level_plan_totals SET levels = levels - 1, units = units - OLD.on_hand, cost_cents = cost_cents - OLD.value_cents,
        retail_cents = retail_cents - max(min(OLD.on_hand * OLD.price_cents, 9223372036854775807), (-9223372036854775807 - 1))
    WHERE store_id = OLD.store_id AND last_sale_day = COALESCE(OLD.last_sale_day, '') AND location_id = OLD.location_id
        AND supplier_id = OLD.supplier_id AND vendor = OLD.vendor;
    DELETE FROM level_plan_totals WHERE store_id = OLD.store_id AND last_sale_day = COALESCE(OLD.last_sale_day, '') AND location_id = OLD.location_id
        AND supplier_id = OLD.supplier_id AND vendor = OLD.vendor AND levels = 0;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER level_plan_totals_update AFTER UPDATE ON level_plan BEGIN
    UPDATE level_plan_totals SET levels = levels - 1, units = units - OLD.on_hand, cost_cents = cost_cents - OLD.value_cents,
        retail_cents = retail_cents - max(min(OLD.on_hand * OLD.price_cents, 9223372036854775807), (-9223372036854775807 - 1))
    WHERE OLD.on_hand > 0 AND store_id = OLD.store_id AND last_sale_day = COALESCE(OLD.last_sale_day, '') AND location_id = OLD.location_id
        AND supplier_id = OLD.supplier_id AND vendor = OLD.vendor;
    DELETE FROM level_plan_totals WHERE OLD.on_hand > 0 AND store_id = OLD.store_id AND last_sale_day = COALESCE(OLD.last_sale_day, '') AND location_id = OLD.location_id
        AND supplier_id = OLD.supplier_id AND vendor = OLD.vendor AND levels = 0;
    UPDATE level_plan_totals SET levels = levels + 1, units = units + NEW.on_hand, cost_cents = cost_cents + NEW.value_cents,
        retail_cents = retail_cents + max(min(NEW.on_hand * NEW.price_cents, 9223372036854775807), (-9223372036854775807 - 1))
    WHERE NEW.on_hand > 0 AND store_id = NEW.store_id AND last_sale_day = COALESCE(NEW.last_sale_day, '') AND location_id = NEW.location_id
        AND supplier_id = NEW.supplier_id AND vendor = NEW.vendor;
    INSERT INTO level_plan_totals (store_id, last_sale_day, location_id, supplier_id, vendor, levels, units, cost_cents, retail_cents)
    SELECT NEW.store_id, COALESCE(NEW.last_sale_day, ''), NEW.location_id, NEW.supplier_id, NEW.vendor, 1, NEW.on_hand, NEW.value_cents,
        max(min(NEW.on_hand * NEW.price_cents, 9223372036854775807), (-9223372036854775807 - 1))
    WHERE NEW.on_hand > 0 AND NOT EXISTS (SELECT 1 FROM level_plan_totals WHERE store_id = NEW.store_id AND last_sale_day = COALESCE(NEW.last_sale_day, '') AND location_id = NEW.location_id
        AND supplier_id = NEW.supplier_id AND vendor = NEW.vendor);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER level_plan_totals_update;
DROP TRIGGER level_plan_totals_delete;
DROP TRIGGER level_plan_totals_insert;
DROP TABLE level_plan_totals;
DROP TRIGGER products_search_delete;
DROP TRIGGER products_search_update;
DROP TRIGGER products_search_insert;
DROP TRIGGER variants_search_delete;
DROP TRIGGER variants_search_update;
DROP TRIGGER variants_search_insert;
DROP TABLE products_search;
DROP TABLE variants_search;
DROP INDEX inventory_adjustments_variant_at;
