-- +goose Up
-- A row version on the two rows a key's principal is read from, so that a
-- request whose key was accepted before confirms it with a statement that
-- reads two numbers instead of the principal's 25 columns (the credential
-- check, storage/access lookupKey). Any write to a store, and any write to
-- a key but the last-used writer's (last_used_at, last_used_addr), moves
-- the row's version; the next request then reads the row in full. Only
-- PostgreSQL pays for the statement's round trip, so SQLite has no such
-- column.
ALTER TABLE api_keys ADD COLUMN row_version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE stores ADD COLUMN row_version BIGINT NOT NULL DEFAULT 1;

-- +goose StatementBegin
CREATE FUNCTION next_row_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Every column is compared but those named as arguments, so a column
    -- added later moves the version without this function changing.
    -- (Without arguments TG_ARGV is NULL, which would compare nothing.)
    IF to_jsonb(NEW) - 'row_version' - coalesce(TG_ARGV, '{}') IS DISTINCT FROM to_jsonb(OLD) - 'row_version' - coalesce(TG_ARGV, '{}') THEN
        NEW.row_version := OLD.row_version + 1;
    ELSE
        NEW.row_version := OLD.row_version;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd

CREATE TRIGGER stores_row_version BEFORE UPDATE ON stores
    FOR EACH ROW EXECUTE FUNCTION next_row_version();
CREATE TRIGGER api_keys_row_version BEFORE UPDATE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION next_row_version('last_used_at', 'last_used_addr');

-- +goose Down
DROP TRIGGER api_keys_row_version ON api_keys;
DROP TRIGGER stores_row_version ON stores;
DROP FUNCTION next_row_version();
ALTER TABLE stores DROP COLUMN row_version;
ALTER TABLE api_keys DROP COLUMN row_version;
