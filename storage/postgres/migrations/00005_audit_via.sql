-- +goose Up
-- Which face a call came through (mcp or rest), so the audit log tells
-- REST integrations from assistants. Empty for the command line and older
-- entries.
ALTER TABLE audit_log ADD COLUMN via TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE audit_log DROP COLUMN via;
