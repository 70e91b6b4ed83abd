-- +goose Up
-- One-time reveals of the keys page; see the PostgreSQL migration of the
-- same number for why.
CREATE TABLE web_reveals (
    store_id   BIGINT      NOT NULL,
    id         INTEGER PRIMARY KEY,
    session_id BIGINT      NOT NULL,
    hash       BLOB        NOT NULL,
    kind       TEXT        NOT NULL,
    detail     TEXT        NOT NULL,
    sealed     BLOB,
    created_at TIMESTAMP   NOT NULL,
    expires_at TIMESTAMP   NOT NULL,
    used_at    TIMESTAMP,
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, session_id) REFERENCES member_sessions (store_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX web_reveals_hash ON web_reveals (hash);
CREATE INDEX web_reveals_expires ON web_reveals (expires_at);
CREATE INDEX web_reveals_session ON web_reveals (store_id, session_id);

-- +goose Down
DROP TABLE web_reveals;
