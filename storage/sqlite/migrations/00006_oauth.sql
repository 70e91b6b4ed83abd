-- +goose Up
-- Web-chat apps connected with OAuth; see the PostgreSQL migration of the
-- same number for why.
ALTER TABLE api_keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'key' CHECK (kind IN ('key', 'app'));

CREATE TABLE oauth_clients (
    id            TEXT        PRIMARY KEY,
    name          TEXT        NOT NULL,
    redirect_uris TEXT        NOT NULL,
    registration  TEXT        NOT NULL CHECK (registration IN ('dynamic', 'metadata_document')),
    created_at    TIMESTAMP   NOT NULL,
    fetched_at    TIMESTAMP   NOT NULL
);

CREATE TABLE oauth_connection_codes (
    store_id   BIGINT      NOT NULL,
    id         INTEGER PRIMARY KEY,
    member_id  BIGINT      NOT NULL,
    hash       BLOB        NOT NULL,
    scope      TEXT        NOT NULL CHECK (scope IN ('read', 'write')),
    created_at TIMESTAMP   NOT NULL,
    expires_at TIMESTAMP   NOT NULL,
    used_at    TIMESTAMP,
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, member_id) REFERENCES members (store_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX oauth_connection_codes_hash ON oauth_connection_codes (hash);
CREATE INDEX oauth_connection_codes_expires ON oauth_connection_codes (expires_at);

CREATE TABLE oauth_grants (
    store_id    BIGINT      NOT NULL,
    key_id      BIGINT      NOT NULL,
    client_id   TEXT        NOT NULL REFERENCES oauth_clients (id),
    client_name TEXT        NOT NULL,
    member_id   BIGINT,
    audience    TEXT        NOT NULL,
    PRIMARY KEY (store_id, key_id),
    FOREIGN KEY (store_id, key_id) REFERENCES api_keys (store_id, id)
);

CREATE TABLE oauth_tokens (
    store_id       BIGINT      NOT NULL,
    id             INTEGER PRIMARY KEY,
    grant_id       BIGINT      NOT NULL,
    kind           TEXT        NOT NULL CHECK (kind IN ('code', 'access', 'refresh')),
    hash           BLOB        NOT NULL,
    access_hash    BLOB,
    redirect_uri   TEXT        NOT NULL DEFAULT '',
    code_challenge TEXT        NOT NULL DEFAULT '',
    created_at     TIMESTAMP   NOT NULL,
    expires_at     TIMESTAMP   NOT NULL,
    used_at        TIMESTAMP,
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, grant_id) REFERENCES oauth_grants (store_id, key_id)
);
CREATE UNIQUE INDEX oauth_tokens_hash ON oauth_tokens (hash);
CREATE INDEX oauth_tokens_grant ON oauth_tokens (store_id, grant_id);
CREATE INDEX oauth_tokens_expires ON oauth_tokens (expires_at);

-- +goose Down
DROP TABLE oauth_tokens;
DROP TABLE oauth_grants;
DROP TABLE oauth_connection_codes;
DROP TABLE oauth_clients;
ALTER TABLE api_keys DROP COLUMN kind;
