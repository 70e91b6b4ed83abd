-- +goose Up
-- Members, sign-in links and sessions; see the PostgreSQL migration of the
-- same number for why.
CREATE TABLE members (
    store_id   BIGINT      NOT NULL REFERENCES stores (id),
    id         INTEGER PRIMARY KEY,
    name       TEXT        NOT NULL,
    email      TEXT        NOT NULL,
    created_at TIMESTAMP   NOT NULL,
    UNIQUE (store_id, id),
    UNIQUE (store_id, email)
);

CREATE TABLE signin_tokens (
    store_id   BIGINT      NOT NULL,
    id         INTEGER PRIMARY KEY,
    member_id  BIGINT      NOT NULL,
    hash       BLOB        NOT NULL,
    created_at TIMESTAMP   NOT NULL,
    expires_at TIMESTAMP   NOT NULL,
    used_at    TIMESTAMP,
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, member_id) REFERENCES members (store_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX signin_tokens_hash ON signin_tokens (hash);
CREATE INDEX signin_tokens_expires ON signin_tokens (expires_at);
CREATE INDEX signin_tokens_member ON signin_tokens (store_id, member_id);

CREATE TABLE member_sessions (
    store_id     BIGINT      NOT NULL,
    id           INTEGER PRIMARY KEY,
    member_id    BIGINT      NOT NULL,
    hash         BLOB        NOT NULL,
    created_at   TIMESTAMP   NOT NULL,
    last_seen_at TIMESTAMP   NOT NULL,
    expires_at   TIMESTAMP   NOT NULL,
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, member_id) REFERENCES members (store_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX member_sessions_hash ON member_sessions (hash);
CREATE INDEX member_sessions_expires ON member_sessions (expires_at);
CREATE INDEX member_sessions_member ON member_sessions (store_id, member_id);

ALTER TABLE audit_log ADD COLUMN member_id BIGINT;

-- +goose Down
ALTER TABLE audit_log DROP COLUMN member_id;
DROP TABLE member_sessions;
DROP TABLE signin_tokens;
DROP TABLE members;
