-- +goose Up
-- get_supplier counts a supplier's variants and those it is the primary
-- source of. The first count reads the primary key alone; the second read
-- every term's row for is_primary (360 ms for a brand's 133,000 variants
-- at a million variants on PostgreSQL): this index answers it alone.
CREATE INDEX supplier_variants_primary ON supplier_variants (store_id, supplier_id) WHERE is_primary;

-- +goose Down
DROP INDEX supplier_variants_primary;
