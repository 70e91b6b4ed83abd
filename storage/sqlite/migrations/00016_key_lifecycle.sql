-- +goose Up
-- Key lifecycle; see the PostgreSQL migration of the same number for why.
ALTER TABLE stores ADD COLUMN key_expiry_days INTEGER NOT NULL DEFAULT 365 CHECK (key_expiry_days >= 0);
ALTER TABLE api_keys ADD COLUMN expires_at TIMESTAMP;
ALTER TABLE api_keys ADD COLUMN expiry_days INTEGER NOT NULL DEFAULT 0 CHECK (expiry_days >= 0);
ALTER TABLE api_keys ADD COLUMN allow_from TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN last_used_addr TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN replaces BIGINT;
ALTER TABLE api_keys ADD COLUMN replaced_by BIGINT;
ALTER TABLE api_keys ADD COLUMN revoked_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN leak_url TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE api_keys DROP COLUMN leak_url;
ALTER TABLE api_keys DROP COLUMN revoked_reason;
ALTER TABLE api_keys DROP COLUMN replaced_by;
ALTER TABLE api_keys DROP COLUMN replaces;
ALTER TABLE api_keys DROP COLUMN last_used_addr;
ALTER TABLE api_keys DROP COLUMN allow_from;
ALTER TABLE api_keys DROP COLUMN expiry_days;
ALTER TABLE api_keys DROP COLUMN expires_at;
ALTER TABLE stores DROP COLUMN key_expiry_days;
