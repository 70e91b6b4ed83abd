-- +goose Up
-- Key lifecycle (issue 25): expiry, rolls with a grace period, revocation
-- of leaked keys, and an allow-list of client addresses. Every column is
-- read by the one indexed lookup that authenticates a request, so expiry,
-- a roll's grace end and a leak revocation hold on the next request on
-- every replica, like revocation.

-- The store's expiry for new keys, in days (0: never). Existing stores get
-- the default; existing keys keep no expiry (expires_at stays NULL).
ALTER TABLE stores ADD COLUMN key_expiry_days INTEGER NOT NULL DEFAULT 365 CHECK (key_expiry_days >= 0);

-- expires_at: when the key stops (NULL: never); a roll moves the old
-- key's to the end of its grace period. expiry_days is the rule a roll
-- copies to the successor (0: never).
ALTER TABLE api_keys ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE api_keys ADD COLUMN expiry_days INTEGER NOT NULL DEFAULT 0 CHECK (expiry_days >= 0);
-- Addresses and CIDR ranges, comma-separated and normalised; '' allows
-- every address.
ALTER TABLE api_keys ADD COLUMN allow_from TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN last_used_addr TEXT NOT NULL DEFAULT '';
-- The roll links, by id within the store.
ALTER TABLE api_keys ADD COLUMN replaces BIGINT;
ALTER TABLE api_keys ADD COLUMN replaced_by BIGINT;
-- Why a key was revoked when not by a person ('leaked'), and where it was
-- found.
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
