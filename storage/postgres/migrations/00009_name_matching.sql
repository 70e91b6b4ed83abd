-- +goose Up
-- Names an assistant gets slightly wrong: a SKU in another case, or the
-- first part of a SKU, location or supplier name, is looked up through these
-- indexes (equality and a range from the prefix), store by store.
CREATE INDEX variants_sku_lower ON variants (store_id, lower(sku));
CREATE INDEX locations_name_lower ON locations (store_id, lower(name));
CREATE INDEX suppliers_name_lower ON suppliers (store_id, lower(name));

-- +goose Down
DROP INDEX variants_sku_lower;
DROP INDEX locations_name_lower;
DROP INDEX suppliers_name_lower;
