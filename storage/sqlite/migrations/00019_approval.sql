-- +goose Up
-- Approval settings and how each write was approved; see the PostgreSQL
-- migration of the same number for why.
ALTER TABLE api_keys ADD COLUMN approval TEXT NOT NULL DEFAULT 'never';
ALTER TABLE oauth_connection_codes ADD COLUMN approval TEXT NOT NULL DEFAULT 'never';
ALTER TABLE audit_log ADD COLUMN approved_by TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE audit_log DROP COLUMN approved_by;
ALTER TABLE oauth_connection_codes DROP COLUMN approval;
ALTER TABLE api_keys DROP COLUMN approval;
