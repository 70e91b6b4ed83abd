-- +goose Up
-- `logistified audit --key PREFIX` reads one key's entries newest first,
-- and the retention prune deletes by age across stores.
CREATE INDEX audit_log_key ON audit_log (store_id, key_prefix, id);
CREATE INDEX audit_log_prune ON audit_log (at);

-- +goose Down
DROP INDEX audit_log_prune;
DROP INDEX audit_log_key;
