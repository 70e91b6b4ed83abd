-- +goose Up
-- The day's rollover recomputes a store's planning rows a chunk of
-- variants per transaction, so that it never holds the writer (SQLite has
-- one) for long. rolling_to is the day it is building; roll_cursor the last
-- variant id done: the rows of variants up to it are for rolling_to, the
-- others still for as_of, which moves to rolling_to when the last chunk is
-- done.
ALTER TABLE sales_summary_state ADD COLUMN rolling_to DATE;
ALTER TABLE sales_summary_state ADD COLUMN roll_cursor BIGINT;

-- +goose Down
ALTER TABLE sales_summary_state DROP COLUMN roll_cursor;
ALTER TABLE sales_summary_state DROP COLUMN rolling_to;
