-- +goose Up
-- Importing a store's own files (logistified import …).
--
-- A Shopify product is named in its exports by its handle, so re-importing
-- a product export updates the product it created rather than adding a
-- second one. Products made before this (the demo, tests) have none ('').
ALTER TABLE products ADD COLUMN handle TEXT NOT NULL DEFAULT '';
CREATE INDEX products_handle ON products (store_id, handle);

-- The last import of each kind, for get_store_overview's last_import;
-- seq orders them (times can tie).
CREATE TABLE store_imports (
    store_id  BIGINT      NOT NULL REFERENCES stores (id),
    kind      TEXT        NOT NULL,
    file_name TEXT        NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    created   BIGINT      NOT NULL,
    updated   BIGINT      NOT NULL,
    unchanged BIGINT      NOT NULL,
    seq       BIGINT      NOT NULL,
    PRIMARY KEY (store_id, kind)
);

-- +goose Down
DROP TABLE store_imports;
DROP INDEX products_handle;
ALTER TABLE products DROP COLUMN handle;
