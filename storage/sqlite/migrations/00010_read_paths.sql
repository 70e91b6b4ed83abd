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
-- text is what the search matches, kept by the triggers below. The search
-- still checks each candidate with the LIKE it always used, so answers are
-- those of the scan.
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

-- +goose Down
DROP TRIGGER products_search_delete;
DROP TRIGGER products_search_update;
DROP TRIGGER products_search_insert;
DROP TRIGGER variants_search_delete;
DROP TRIGGER variants_search_update;
DROP TRIGGER variants_search_insert;
DROP TABLE products_search;
DROP TABLE variants_search;
DROP INDEX inventory_adjustments_variant_at;
