-- +goose Up
-- Counts that reads took over the whole store on every call, kept instead
-- by triggers in the statements that change the rows they count (issue
-- 21); see the PostgreSQL migration of the same number. Row triggers, as
-- level_plan_totals in migration 00010 (UPDATE, then INSERT … WHERE NOT
-- EXISTS rather than an upsert: an outer upsert's conflict clause would
-- override the trigger's).

-- The catalogue's size per store (nothing moves a product or variant to
-- another store).
CREATE TABLE catalog_counts (
    store_id BIGINT NOT NULL PRIMARY KEY,
    products BIGINT NOT NULL,
    variants BIGINT NOT NULL
);
INSERT INTO catalog_counts (store_id, products, variants)
SELECT store_id, SUM(p), SUM(v) FROM (
    SELECT store_id, COUNT(*) AS p, 0 AS v FROM products GROUP BY store_id
    UNION ALL SELECT store_id, 0, COUNT(*) FROM variants GROUP BY store_id)
GROUP BY store_id;

-- +goose StatementBegin
CREATE TRIGGER products_counts_insert AFTER INSERT ON products BEGIN
    UPDATE catalog_counts SET products = products + 1 WHERE store_id = NEW.store_id;
    INSERT INTO catalog_counts (store_id, products, variants) SELECT NEW.store_id, 1, 0
    WHERE NOT EXISTS (SELECT 1 FROM catalog_counts WHERE store_id = NEW.store_id);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER products_counts_delete AFTER DELETE ON products BEGIN
    UPDATE catalog_counts SET products = products - 1 WHERE store_id = OLD.store_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER variants_counts_insert AFTER INSERT ON variants BEGIN
    UPDATE catalog_counts SET variants = variants + 1 WHERE store_id = NEW.store_id;
    INSERT INTO catalog_counts (store_id, products, variants) SELECT NEW.store_id, 0, 1
    WHERE NOT EXISTS (SELECT 1 FROM catalog_counts WHERE store_id = NEW.store_id);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER variants_counts_delete AFTER DELETE ON variants BEGIN
    UPDATE catalog_counts SET variants = variants - 1 WHERE store_id = OLD.store_id;
END;
-- +goose StatementEnd

-- A supplier's terms: how many variants it has terms for, and of how many
-- it is the primary source.
CREATE TABLE supplier_counts (
    store_id         BIGINT NOT NULL,
    supplier_id      BIGINT NOT NULL,
    variants         BIGINT NOT NULL,
    primary_variants BIGINT NOT NULL,
    PRIMARY KEY (store_id, supplier_id)
);
INSERT INTO supplier_counts (store_id, supplier_id, variants, primary_variants)
SELECT store_id, supplier_id, COUNT(*), SUM(CASE WHEN is_primary THEN 1 ELSE 0 END) FROM supplier_variants GROUP BY store_id, supplier_id;

-- +goose StatementBegin
CREATE TRIGGER supplier_variants_counts_insert AFTER INSERT ON supplier_variants BEGIN
    UPDATE supplier_counts SET variants = variants + 1, primary_variants = primary_variants + (CASE WHEN NEW.is_primary THEN 1 ELSE 0 END)
    WHERE store_id = NEW.store_id AND supplier_id = NEW.supplier_id;
    INSERT INTO supplier_counts (store_id, supplier_id, variants, primary_variants)
    SELECT NEW.store_id, NEW.supplier_id, 1, CASE WHEN NEW.is_primary THEN 1 ELSE 0 END
    WHERE NOT EXISTS (SELECT 1 FROM supplier_counts WHERE store_id = NEW.store_id AND supplier_id = NEW.supplier_id);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER supplier_variants_counts_delete AFTER DELETE ON supplier_variants BEGIN
    UPDATE supplier_counts SET variants = variants - 1, primary_variants = primary_variants - (CASE WHEN OLD.is_primary THEN 1 ELSE 0 END)
    WHERE store_id = OLD.store_id AND supplier_id = OLD.supplier_id;
    DELETE FROM supplier_counts WHERE store_id = OLD.store_id AND supplier_id = OLD.supplier_id AND variants = 0;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER supplier_variants_counts_update AFTER UPDATE OF store_id, supplier_id, is_primary ON supplier_variants
WHEN OLD.store_id IS NOT NEW.store_id OR OLD.supplier_id IS NOT NEW.supplier_id OR OLD.is_primary IS NOT NEW.is_primary BEGIN
    UPDATE supplier_counts SET variants = variants - 1, primary_variants = primary_variants - (CASE WHEN OLD.is_primary THEN 1 ELSE 0 END)
    WHERE store_id = OLD.store_id AND supplier_id = OLD.supplier_id;
    DELETE FROM supplier_counts WHERE store_id = OLD.store_id AND supplier_id = OLD.supplier_id AND variants = 0;
    UPDATE supplier_counts SET variants = variants + 1, primary_variants = primary_variants + (CASE WHEN NEW.is_primary THEN 1 ELSE 0 END)
    WHERE store_id = NEW.store_id AND supplier_id = NEW.supplier_id;
    INSERT INTO supplier_counts (store_id, supplier_id, variants, primary_variants)
    SELECT NEW.store_id, NEW.supplier_id, 1, CASE WHEN NEW.is_primary THEN 1 ELSE 0 END
    WHERE NOT EXISTS (SELECT 1 FROM supplier_counts WHERE store_id = NEW.store_id AND supplier_id = NEW.supplier_id);
END;
-- +goose StatementEnd

-- The planning rows at risk, per supplier and location (see the
-- PostgreSQL migration). suggest_cents is REAL, like the total() the read
-- summed with: exact to 2^53 hundredths.
CREATE TABLE level_plan_counts (
    store_id      BIGINT NOT NULL,
    supplier_id   BIGINT NOT NULL,
    location_id   BIGINT NOT NULL,
    out_of_stock  BIGINT NOT NULL,
    reorder_lines BIGINT NOT NULL,
    suggest_cents REAL   NOT NULL,
    PRIMARY KEY (store_id, supplier_id, location_id)
);
INSERT INTO level_plan_counts (store_id, supplier_id, location_id, out_of_stock, reorder_lines, suggest_cents)
SELECT store_id, supplier_id, location_id, SUM(CASE WHEN out_of_stock THEN 1 ELSE 0 END), SUM(CASE WHEN needs_reorder THEN 1 ELSE 0 END),
    total(CASE WHEN needs_reorder THEN suggest_cents ELSE 0 END)
FROM level_plan WHERE out_of_stock OR needs_reorder GROUP BY store_id, supplier_id, location_id;

-- +goose StatementBegin
CREATE TRIGGER level_plan_counts_insert AFTER INSERT ON level_plan WHEN NEW.out_of_stock OR NEW.needs_reorder BEGIN
    UPDATE level_plan_counts SET out_of_stock = out_of_stock + (CASE WHEN NEW.out_of_stock THEN 1 ELSE 0 END),
        reorder_lines = reorder_lines + (CASE WHEN NEW.needs_reorder THEN 1 ELSE 0 END),
        suggest_cents = suggest_cents + (CASE WHEN NEW.needs_reorder THEN NEW.suggest_cents ELSE 0 END)
    WHERE (NEW.out_of_stock OR NEW.needs_reorder) AND store_id = NEW.store_id AND supplier_id = NEW.supplier_id AND location_id = NEW.location_id;
    INSERT INTO level_plan_counts (store_id, supplier_id, location_id, out_of_stock, reorder_lines, suggest_cents)
    SELECT NEW.store_id, NEW.supplier_id, NEW.location_id, CASE WHEN NEW.out_of_stock THEN 1 ELSE 0 END, CASE WHEN NEW.needs_reorder THEN 1 ELSE 0 END,
        CASE WHEN NEW.needs_reorder THEN NEW.suggest_cents ELSE 0 END
    WHERE (NEW.out_of_stock OR NEW.needs_reorder) AND NOT EXISTS (SELECT 1 FROM level_plan_counts WHERE store_id = NEW.store_id AND supplier_id = NEW.supplier_id AND location_id = NEW.location_id);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER level_plan_counts_delete AFTER DELETE ON level_plan WHEN OLD.out_of_stock OR OLD.needs_reorder BEGIN
    UPDATE level_plan_counts SET out_of_stock = out_of_stock - (CASE WHEN OLD.out_of_stock THEN 1 ELSE 0 END),
        reorder_lines = reorder_lines - (CASE WHEN OLD.needs_reorder THEN 1 ELSE 0 END),
        suggest_cents = suggest_cents - (CASE WHEN OLD.needs_reorder THEN OLD.suggest_cents ELSE 0 END)
    WHERE (OLD.out_of_stock OR OLD.needs_reorder) AND store_id = OLD.store_id AND supplier_id = OLD.supplier_id AND location_id = OLD.location_id;
    DELETE FROM level_plan_counts WHERE (OLD.out_of_stock OR OLD.needs_reorder) AND store_id = OLD.store_id AND supplier_id = OLD.supplier_id AND location_id = OLD.location_id AND out_of_stock = 0 AND reorder_lines = 0;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER level_plan_counts_update AFTER UPDATE ON level_plan
WHEN OLD.out_of_stock OR OLD.needs_reorder OR NEW.out_of_stock OR NEW.needs_reorder BEGIN
    UPDATE level_plan_counts SET out_of_stock = out_of_stock - (CASE WHEN OLD.out_of_stock THEN 1 ELSE 0 END),
        reorder_lines = reorder_lines - (CASE WHEN OLD.needs_reorder THEN 1 ELSE 0 END),
        suggest_cents = suggest_cents - (CASE WHEN OLD.needs_reorder THEN OLD.suggest_cents ELSE 0 END)
    WHERE (OLD.out_of_stock OR OLD.needs_reorder) AND store_id = OLD.store_id AND supplier_id = OLD.supplier_id AND location_id = OLD.location_id;
    DELETE FROM level_plan_counts WHERE (OLD.out_of_stock OR OLD.needs_reorder) AND store_id = OLD.store_id AND supplier_id = OLD.supplier_id AND location_id = OLD.location_id AND out_of_stock = 0 AND reorder_lines = 0;
    UPDATE level_plan_counts SET out_of_stock = out_of_stock + (CASE WHEN NEW.out_of_stock THEN 1 ELSE 0 END),
        reorder_lines = reorder_lines + (CASE WHEN NEW.needs_reorder THEN 1 ELSE 0 END),
        suggest_cents = suggest_cents + (CASE WHEN NEW.needs_reorder THEN NEW.suggest_cents ELSE 0 END)
    WHERE (NEW.out_of_stock OR NEW.needs_reorder) AND store_id = NEW.store_id AND supplier_id = NEW.supplier_id AND location_id = NEW.location_id;
    INSERT INTO level_plan_counts (store_id, supplier_id, location_id, out_of_stock, reorder_lines, suggest_cents)
    SELECT NEW.store_id, NEW.supplier_id, NEW.location_id, CASE WHEN NEW.out_of_stock THEN 1 ELSE 0 END, CASE WHEN NEW.needs_reorder THEN 1 ELSE 0 END,
        CASE WHEN NEW.needs_reorder THEN NEW.suggest_cents ELSE 0 END
    WHERE (NEW.out_of_stock OR NEW.needs_reorder) AND NOT EXISTS (SELECT 1 FROM level_plan_counts WHERE store_id = NEW.store_id AND supplier_id = NEW.supplier_id AND location_id = NEW.location_id);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER level_plan_counts_update;
DROP TRIGGER level_plan_counts_delete;
DROP TRIGGER level_plan_counts_insert;
DROP TABLE level_plan_counts;
DROP TRIGGER supplier_variants_counts_update;
DROP TRIGGER supplier_variants_counts_delete;
DROP TRIGGER supplier_variants_counts_insert;
DROP TABLE supplier_counts;
DROP TRIGGER variants_counts_delete;
DROP TRIGGER variants_counts_insert;
DROP TRIGGER products_counts_delete;
DROP TRIGGER products_counts_insert;
DROP TABLE catalog_counts;
