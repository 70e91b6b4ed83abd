-- +goose Up
-- A level read names each location, and a store's locations change almost
-- never, so the server remembers their names rather than join them into
-- every read (storage/locationnames.go). What vouches for the names it
-- remembers is the store's row_version, which every request's credential
-- check reads anyway: this counter moves with every change to the store's
-- locations, and the store's row_version moves with it (its trigger
-- compares whole rows), in the transaction that made the change.
ALTER TABLE stores ADD COLUMN locations_version BIGINT NOT NULL DEFAULT 1;

-- +goose StatementBegin
CREATE FUNCTION next_locations_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE stores SET locations_version = locations_version + 1
        WHERE id = CASE TG_OP WHEN 'DELETE' THEN OLD.store_id ELSE NEW.store_id END;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER locations_version_on_write AFTER INSERT OR DELETE ON locations
    FOR EACH ROW EXECUTE FUNCTION next_locations_version();
CREATE TRIGGER locations_version_on_update AFTER UPDATE ON locations
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION next_locations_version();

-- +goose Down
DROP TRIGGER locations_version_on_update ON locations;
DROP TRIGGER locations_version_on_write ON locations;
DROP FUNCTION next_locations_version();
ALTER TABLE stores DROP COLUMN locations_version;
