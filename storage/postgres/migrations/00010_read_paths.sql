-- +goose Up
-- Read paths that scanned the store at 100,000 variants (issue 14).

-- One SKU's ledger, newest first, from an index in that order (the
-- (store, variant, location, at) index needs a sort across locations).
CREATE INDEX inventory_adjustments_variant_at ON inventory_adjustments (store_id, variant_id, at, id);

-- +goose Down
DROP INDEX inventory_adjustments_variant_at;
