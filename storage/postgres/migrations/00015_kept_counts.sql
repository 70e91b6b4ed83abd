-- +goose Up
-- Counts that reads took over the whole store on every call, kept instead
-- in the statements that change the rows they count (issue 21: at a
-- million variants get_store_overview counted the products, the variants
-- and 148,000 levels at risk in 73–111 ms, get_reorder_suggestions totalled
-- the same levels by supplier in 54–77 ms, get_supplier counted a brand's
-- 133,000 terms). Statement triggers with transition tables, as
-- level_plan_totals in migration 00010: one grouped pass over the rows a
-- statement changed, in the same transaction, whoever writes them.

-- The catalogue's size per store. A product or variant never moves to
-- another store (nothing updates store_id), so inserts and deletes are
-- what changes it.
CREATE TABLE catalog_counts (
    store_id BIGINT NOT NULL PRIMARY KEY,
    products BIGINT NOT NULL,
    variants BIGINT NOT NULL
);
INSERT INTO catalog_counts (store_id, products, variants)
SELECT store_id, SUM(p), SUM(v) FROM (
    SELECT store_id, COUNT(*) AS p, 0 AS v FROM products GROUP BY store_id
    UNION ALL SELECT store_id, 0, COUNT(*) FROM variants GROUP BY store_id) c
GROUP BY store_id;

-- +goose StatementBegin
CREATE FUNCTION catalog_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p BIGINT := 0;
    v BIGINT := 0;
BEGIN
    -- TG_ARGV[0] is the table, TG_ARGV[1] the sign of the change.
    IF TG_ARGV[1] = '+' THEN
        INSERT INTO catalog_counts AS c (store_id, products, variants)
        SELECT store_id, CASE WHEN TG_ARGV[0] = 'products' THEN COUNT(*) ELSE 0 END, CASE WHEN TG_ARGV[0] = 'variants' THEN COUNT(*) ELSE 0 END
        FROM added GROUP BY store_id
        ON CONFLICT (store_id) DO UPDATE SET products = c.products + EXCLUDED.products, variants = c.variants + EXCLUDED.variants;
    ELSE
        UPDATE catalog_counts c SET products = c.products - CASE WHEN TG_ARGV[0] = 'products' THEN r.n ELSE 0 END,
            variants = c.variants - CASE WHEN TG_ARGV[0] = 'variants' THEN r.n ELSE 0 END
        FROM (SELECT store_id, COUNT(*) AS n FROM removed GROUP BY store_id) r WHERE c.store_id = r.store_id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER products_counts_insert AFTER INSERT ON products REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_counts_apply('products', '+');
CREATE TRIGGER products_counts_delete AFTER DELETE ON products REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_counts_apply('products', '-');
CREATE TRIGGER variants_counts_insert AFTER INSERT ON variants REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_counts_apply('variants', '+');
CREATE TRIGGER variants_counts_delete AFTER DELETE ON variants REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_counts_apply('variants', '-');

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
SELECT store_id, supplier_id, COUNT(*), COUNT(*) FILTER (WHERE is_primary) FROM supplier_variants GROUP BY store_id, supplier_id;

-- The three functions below share one shape: the rows a statement added
-- count +1, those it removed -1, netted per key; keys whose counts net to
-- zero are not touched, and keys left with nothing are deleted. The keys
-- are written in key order, so that two transactions writing the same
-- keys wait for each other rather than deadlock.
-- +goose StatementBegin
CREATE FUNCTION supplier_counts_apply(d_store BIGINT[], d_supplier BIGINT[], d_n BIGINT[], d_primary BIGINT[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO supplier_counts AS c (store_id, supplier_id, variants, primary_variants)
    SELECT s, sup, SUM(n), SUM(p) FROM unnest(d_store, d_supplier, d_n, d_primary) AS d (s, sup, n, p)
    GROUP BY s, sup HAVING SUM(n) <> 0 OR SUM(p) <> 0 ORDER BY s, sup
    ON CONFLICT (store_id, supplier_id) DO UPDATE SET variants = c.variants + EXCLUDED.variants,
        primary_variants = c.primary_variants + EXCLUDED.primary_variants;
    DELETE FROM supplier_counts c USING unnest(d_store, d_supplier) AS d (s, sup)
    WHERE c.store_id = d.s AND c.supplier_id = d.sup AND c.variants = 0 AND c.primary_variants = 0;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION supplier_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM supplier_counts_apply(array_agg(store_id), array_agg(supplier_id), array_agg(n), array_agg(p))
    FROM (SELECT store_id, supplier_id, COUNT(*) AS n, COUNT(*) FILTER (WHERE is_primary) AS p FROM added GROUP BY store_id, supplier_id) a;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION supplier_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM supplier_counts_apply(array_agg(store_id), array_agg(supplier_id), array_agg(n), array_agg(p))
    FROM (SELECT store_id, supplier_id, -COUNT(*) AS n, -COUNT(*) FILTER (WHERE is_primary) AS p FROM removed GROUP BY store_id, supplier_id) r;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION supplier_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM supplier_counts_apply(array_agg(store_id), array_agg(supplier_id), array_agg(n), array_agg(p))
    FROM (SELECT store_id, supplier_id, SUM(n) AS n, SUM(p) AS p FROM (
        SELECT store_id, supplier_id, 1 AS n, CASE WHEN is_primary THEN 1 ELSE 0 END AS p FROM added
        UNION ALL SELECT store_id, supplier_id, -1, CASE WHEN is_primary THEN -1 ELSE 0 END FROM removed) x
        GROUP BY store_id, supplier_id) u;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER supplier_variants_counts_insert AFTER INSERT ON supplier_variants REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION supplier_counts_insert();
CREATE TRIGGER supplier_variants_counts_delete AFTER DELETE ON supplier_variants REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION supplier_counts_delete();
CREATE TRIGGER supplier_variants_counts_update AFTER UPDATE ON supplier_variants REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION supplier_counts_update();

-- The planning rows at risk, per supplier and location: levels out of
-- stock, levels at or below their reorder point (a reorder suggestion's
-- lines) and the suggested orders' cost (NUMERIC, exact, like the sums the
-- reads took). Only keys with a level at risk have a row: a few hundred
-- for a large store, which the overview sums and the suggestions group by
-- supplier. The order of the suppliers (their most urgent line) is read
-- from level_plan_reorder, one index step per supplier: a minimum cannot
-- be kept under deletes.
CREATE TABLE level_plan_counts (
    store_id      BIGINT  NOT NULL,
    supplier_id   BIGINT  NOT NULL,
    location_id   BIGINT  NOT NULL,
    out_of_stock  BIGINT  NOT NULL,
    reorder_lines BIGINT  NOT NULL,
    suggest_cents NUMERIC NOT NULL,
    PRIMARY KEY (store_id, supplier_id, location_id)
);
INSERT INTO level_plan_counts (store_id, supplier_id, location_id, out_of_stock, reorder_lines, suggest_cents)
SELECT store_id, supplier_id, location_id, COUNT(*) FILTER (WHERE out_of_stock), COUNT(*) FILTER (WHERE needs_reorder),
    COALESCE(SUM(CAST(suggest_cents AS NUMERIC)) FILTER (WHERE needs_reorder), 0)
FROM level_plan WHERE out_of_stock OR needs_reorder GROUP BY store_id, supplier_id, location_id;

-- +goose StatementBegin
CREATE FUNCTION level_plan_counts_apply(d_store BIGINT[], d_supplier BIGINT[], d_location BIGINT[], d_out BIGINT[], d_lines BIGINT[], d_cents NUMERIC[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO level_plan_counts AS c (store_id, supplier_id, location_id, out_of_stock, reorder_lines, suggest_cents)
    SELECT s, sup, loc, o, l, ce FROM unnest(d_store, d_supplier, d_location, d_out, d_lines, d_cents) AS d (s, sup, loc, o, l, ce)
    WHERE o <> 0 OR l <> 0 OR ce <> 0 ORDER BY s, sup, loc
    ON CONFLICT (store_id, supplier_id, location_id) DO UPDATE SET out_of_stock = c.out_of_stock + EXCLUDED.out_of_stock,
        reorder_lines = c.reorder_lines + EXCLUDED.reorder_lines, suggest_cents = c.suggest_cents + EXCLUDED.suggest_cents;
    DELETE FROM level_plan_counts c USING unnest(d_store, d_supplier, d_location) AS d (s, sup, loc)
    WHERE c.store_id = d.s AND c.supplier_id = d.sup AND c.location_id = d.loc AND c.out_of_stock = 0 AND c.reorder_lines = 0;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION level_plan_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM level_plan_counts_apply(array_agg(store_id), array_agg(supplier_id), array_agg(location_id), array_agg(o), array_agg(l), array_agg(ce))
    FROM (SELECT store_id, supplier_id, location_id, COUNT(*) FILTER (WHERE out_of_stock) AS o, COUNT(*) FILTER (WHERE needs_reorder) AS l,
            COALESCE(SUM(CAST(suggest_cents AS NUMERIC)) FILTER (WHERE needs_reorder), 0) AS ce
        FROM added WHERE out_of_stock OR needs_reorder GROUP BY store_id, supplier_id, location_id) a;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION level_plan_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM level_plan_counts_apply(array_agg(store_id), array_agg(supplier_id), array_agg(location_id), array_agg(o), array_agg(l), array_agg(ce))
    FROM (SELECT store_id, supplier_id, location_id, -COUNT(*) FILTER (WHERE out_of_stock) AS o, -COUNT(*) FILTER (WHERE needs_reorder) AS l,
            -COALESCE(SUM(CAST(suggest_cents AS NUMERIC)) FILTER (WHERE needs_reorder), 0) AS ce
        FROM removed WHERE out_of_stock OR needs_reorder GROUP BY store_id, supplier_id, location_id) r;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION level_plan_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM level_plan_counts_apply(array_agg(store_id), array_agg(supplier_id), array_agg(location_id), array_agg(o), array_agg(l), array_agg(ce))
    FROM (SELECT store_id, supplier_id, location_id, SUM(o) AS o, SUM(l) AS l, SUM(ce) AS ce FROM (
            SELECT store_id, supplier_id, location_id, CASE WHEN out_of_stock THEN 1 ELSE 0 END AS o, CASE WHEN needs_reorder THEN 1 ELSE 0 END AS l,
                CASE WHEN needs_reorder THEN CAST(suggest_cents AS NUMERIC) ELSE 0 END AS ce
            FROM added WHERE out_of_stock OR needs_reorder
            UNION ALL SELECT store_id, supplier_id, location_id, CASE WHEN out_of_stock THEN -1 ELSE 0 END, CASE WHEN needs_reorder THEN -1 ELSE 0 END,
                CASE WHEN needs_reorder THEN -CAST(suggest_cents AS NUMERIC) ELSE 0 END
            FROM removed WHERE out_of_stock OR needs_reorder) x
        GROUP BY store_id, supplier_id, location_id) u;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION level_plan_counts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM level_plan_counts;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER level_plan_counts_insert AFTER INSERT ON level_plan REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_counts_insert();
CREATE TRIGGER level_plan_counts_delete AFTER DELETE ON level_plan REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_counts_delete();
CREATE TRIGGER level_plan_counts_update AFTER UPDATE ON level_plan REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_counts_update();
CREATE TRIGGER level_plan_counts_truncate AFTER TRUNCATE ON level_plan
    FOR EACH STATEMENT EXECUTE FUNCTION level_plan_counts_clear();

-- +goose Down
DROP TABLE level_plan_counts;
DROP FUNCTION level_plan_counts_insert() CASCADE;
DROP FUNCTION level_plan_counts_delete() CASCADE;
DROP FUNCTION level_plan_counts_update() CASCADE;
DROP FUNCTION level_plan_counts_clear() CASCADE;
DROP FUNCTION level_plan_counts_apply(BIGINT[], BIGINT[], BIGINT[], BIGINT[], BIGINT[], NUMERIC[]);
DROP TABLE supplier_counts;
DROP FUNCTION supplier_counts_insert() CASCADE;
DROP FUNCTION supplier_counts_delete() CASCADE;
DROP FUNCTION supplier_counts_update() CASCADE;
DROP FUNCTION supplier_counts_apply(BIGINT[], BIGINT[], BIGINT[], BIGINT[]);
DROP TABLE catalog_counts;
DROP FUNCTION catalog_counts_apply() CASCADE;
