-- +goose Up
-- Sealed previews: a dry run issues a preview token, kept only as its
-- SHA-256 hash, bound to the key that asked, the tool, the request's
-- canonical arguments (request_hash) and what the preview showed
-- (outcome_hash). A write that names the token applies only if it would do
-- exactly that, once (used_at), before expires_at.
CREATE TABLE preview_tokens (
    hash         BLOB        NOT NULL PRIMARY KEY,
    store_id     BIGINT      NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    key_id       BIGINT      NOT NULL,
    tool         TEXT        NOT NULL,
    request_hash TEXT        NOT NULL,
    outcome_hash TEXT        NOT NULL,
    created_at   TIMESTAMP   NOT NULL,
    expires_at   TIMESTAMP   NOT NULL,
    used_at      TIMESTAMP
);
CREATE INDEX preview_tokens_expires ON preview_tokens (expires_at);

-- +goose Down
DROP TABLE preview_tokens;
