-- +goose Up
-- Writes that need a person (DESIGN.md §13): a key's or connected app's
-- approval setting, read by the one lookup that authenticates a request so
-- the call pipeline has it with the principal. 'never', 'always' or
-- 'above:AMOUNT' (inventory.ParseApproval). A connected app is an api_keys
-- row of kind 'app', so the column serves grants too; a connection code
-- carries the setting the member chose until an app redeems it. Existing
-- keys and apps keep writing as before ('never').
ALTER TABLE api_keys ADD COLUMN approval TEXT NOT NULL DEFAULT 'never';
ALTER TABLE oauth_connection_codes ADD COLUMN approval TEXT NOT NULL DEFAULT 'never';
-- How each write was approved: 'not_required', 'preview_token' or
-- 'human_in_client'; '' for entries that are not applied writes.
ALTER TABLE audit_log ADD COLUMN approved_by TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE audit_log DROP COLUMN approved_by;
ALTER TABLE oauth_connection_codes DROP COLUMN approval;
ALTER TABLE api_keys DROP COLUMN approval;
