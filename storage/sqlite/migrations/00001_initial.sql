-- +goose Up
-- The same schema as the PostgreSQL backend's. SQLite gives a table an
-- automatic id only through its INTEGER PRIMARY KEY (the rowid), so here the
-- id is the primary key and (store_id, id) is UNIQUE, which lets children
-- reference their parents through store_id exactly as on PostgreSQL.
-- Money is stored in hundredths of the store's currency.

CREATE TABLE stores (
    id          INTEGER PRIMARY KEY,
    domain      TEXT        NOT NULL UNIQUE,
    name        TEXT        NOT NULL,
    currency    TEXT        NOT NULL,
    timezone    TEXT        NOT NULL,
    created_at  TIMESTAMP   NOT NULL
);

CREATE TABLE api_keys (
    store_id         BIGINT      NOT NULL REFERENCES stores (id),
    id               INTEGER PRIMARY KEY,
    hash             BLOB         NOT NULL,
    prefix           TEXT        NOT NULL,
    scope            TEXT        NOT NULL CHECK (scope IN ('read', 'write')),
    label            TEXT        NOT NULL DEFAULT '',
    created_by_name  TEXT        NOT NULL,
    created_by_email TEXT        NOT NULL,
    created_at       TIMESTAMP   NOT NULL,
    last_used_at     TIMESTAMP,
    revoked_at       TIMESTAMP,
    UNIQUE (store_id, id),
    UNIQUE (store_id, prefix)
);
-- Authentication looks a key up by its hash alone.
CREATE UNIQUE INDEX api_keys_hash ON api_keys (hash);

CREATE TABLE audit_log (
    store_id     BIGINT      NOT NULL REFERENCES stores (id),
    id           INTEGER PRIMARY KEY,
    at           TIMESTAMP   NOT NULL,
    key_id       BIGINT,
    key_prefix   TEXT        NOT NULL DEFAULT '',
    key_label    TEXT        NOT NULL DEFAULT '',
    actor_name   TEXT        NOT NULL DEFAULT '',
    actor_email  TEXT        NOT NULL DEFAULT '',
    action       TEXT        NOT NULL,
    arguments    TEXT        NOT NULL DEFAULT '',
    outcome      TEXT        NOT NULL,
    detail       TEXT        NOT NULL DEFAULT '',
    UNIQUE (store_id, id)
);
CREATE INDEX audit_log_at ON audit_log (store_id, at);

CREATE TABLE document_counters (
    store_id BIGINT NOT NULL REFERENCES stores (id),
    kind     TEXT   NOT NULL,
    next     BIGINT NOT NULL,
    PRIMARY KEY (store_id, kind)
);

CREATE TABLE locations (
    store_id   BIGINT      NOT NULL REFERENCES stores (id),
    id         INTEGER PRIMARY KEY,
    name       TEXT        NOT NULL,
    code       TEXT        NOT NULL,
    kind       TEXT        NOT NULL DEFAULT 'warehouse',
    address    TEXT        NOT NULL DEFAULT '',
    active     BOOLEAN     NOT NULL DEFAULT 1,
    created_at TIMESTAMP   NOT NULL,
    UNIQUE (store_id, id),
    UNIQUE (store_id, name),
    UNIQUE (store_id, code)
);

CREATE TABLE suppliers (
    store_id        BIGINT      NOT NULL REFERENCES stores (id),
    id              INTEGER PRIMARY KEY,
    name            TEXT        NOT NULL,
    email           TEXT        NOT NULL DEFAULT '',
    phone           TEXT        NOT NULL DEFAULT '',
    currency        TEXT        NOT NULL DEFAULT '',
    lead_time_days  INTEGER     NOT NULL DEFAULT 14,
    min_order_cents BIGINT      NOT NULL DEFAULT 0,
    created_at      TIMESTAMP   NOT NULL,
    UNIQUE (store_id, id),
    UNIQUE (store_id, name)
);

CREATE TABLE products (
    store_id     BIGINT      NOT NULL REFERENCES stores (id),
    id           INTEGER PRIMARY KEY,
    title        TEXT        NOT NULL,
    vendor       TEXT        NOT NULL DEFAULT '',
    product_type TEXT        NOT NULL DEFAULT '',
    status       TEXT        NOT NULL DEFAULT 'active',
    created_at   TIMESTAMP   NOT NULL,
    UNIQUE (store_id, id)
);
CREATE INDEX products_vendor ON products (store_id, vendor);

CREATE TABLE variants (
    store_id    BIGINT      NOT NULL,
    id          INTEGER PRIMARY KEY,
    product_id  BIGINT      NOT NULL,
    sku         TEXT        NOT NULL,
    barcode     TEXT        NOT NULL DEFAULT '',
    title       TEXT        NOT NULL DEFAULT '',
    option1     TEXT        NOT NULL DEFAULT '',
    option2     TEXT        NOT NULL DEFAULT '',
    option3     TEXT        NOT NULL DEFAULT '',
    price_cents BIGINT      NOT NULL DEFAULT 0,
    cost_cents  BIGINT      NOT NULL DEFAULT 0,
    created_at  TIMESTAMP   NOT NULL,
    UNIQUE (store_id, id),
    UNIQUE (store_id, sku),
    FOREIGN KEY (store_id, product_id) REFERENCES products (store_id, id)
);
CREATE INDEX variants_product ON variants (store_id, product_id);
CREATE INDEX variants_barcode ON variants (store_id, barcode);

CREATE TABLE supplier_variants (
    store_id        BIGINT  NOT NULL,
    supplier_id     BIGINT  NOT NULL,
    variant_id      BIGINT  NOT NULL,
    supplier_sku    TEXT    NOT NULL DEFAULT '',
    unit_cost_cents BIGINT  NOT NULL DEFAULT 0,
    min_order_qty   INTEGER NOT NULL DEFAULT 1,
    pack_size       INTEGER NOT NULL DEFAULT 1,
    lead_time_days  INTEGER,
    is_primary      BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, supplier_id, variant_id),
    FOREIGN KEY (store_id, supplier_id) REFERENCES suppliers (store_id, id),
    FOREIGN KEY (store_id, variant_id) REFERENCES variants (store_id, id)
);
CREATE INDEX supplier_variants_variant ON supplier_variants (store_id, variant_id);

-- Levels start at zero and change only together with a ledger row, so each
-- quantity always equals the sum of its adjustments.
CREATE TABLE inventory_levels (
    store_id        BIGINT      NOT NULL,
    variant_id      BIGINT      NOT NULL,
    location_id     BIGINT      NOT NULL,
    on_hand         BIGINT      NOT NULL DEFAULT 0,
    committed       BIGINT      NOT NULL DEFAULT 0,
    incoming        BIGINT      NOT NULL DEFAULT 0,
    reserved        BIGINT      NOT NULL DEFAULT 0,
    damaged         BIGINT      NOT NULL DEFAULT 0,
    safety_stock    BIGINT      NOT NULL DEFAULT 0,
    quality_control BIGINT      NOT NULL DEFAULT 0,
    available       INTEGER GENERATED ALWAYS AS
        (on_hand - committed - reserved - damaged - safety_stock - quality_control) STORED,
    updated_at      TIMESTAMP   NOT NULL,
    PRIMARY KEY (store_id, variant_id, location_id),
    FOREIGN KEY (store_id, variant_id) REFERENCES variants (store_id, id),
    FOREIGN KEY (store_id, location_id) REFERENCES locations (store_id, id)
);
CREATE INDEX inventory_levels_location ON inventory_levels (store_id, location_id);

CREATE TABLE inventory_adjustments (
    store_id        BIGINT      NOT NULL,
    id              INTEGER PRIMARY KEY,
    variant_id      BIGINT      NOT NULL,
    location_id     BIGINT      NOT NULL,
    quantity_name   TEXT        NOT NULL,
    delta           BIGINT      NOT NULL,
    reason          TEXT        NOT NULL,
    document_number TEXT        NOT NULL DEFAULT '',
    key_id          BIGINT,
    at              TIMESTAMP   NOT NULL,
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, variant_id, location_id)
        REFERENCES inventory_levels (store_id, variant_id, location_id)
);
CREATE INDEX inventory_adjustments_level ON inventory_adjustments (store_id, variant_id, location_id, at);

CREATE TABLE daily_sales (
    store_id      BIGINT NOT NULL,
    variant_id    BIGINT NOT NULL,
    location_id   BIGINT NOT NULL,
    day           DATE   NOT NULL,
    units         BIGINT NOT NULL,
    revenue_cents BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, variant_id, location_id, day),
    FOREIGN KEY (store_id, variant_id) REFERENCES variants (store_id, id),
    FOREIGN KEY (store_id, location_id) REFERENCES locations (store_id, id)
);
CREATE INDEX daily_sales_day ON daily_sales (store_id, day);

CREATE TABLE purchase_orders (
    store_id      BIGINT      NOT NULL,
    id            INTEGER PRIMARY KEY,
    number        TEXT        NOT NULL,
    supplier_id   BIGINT      NOT NULL,
    location_id   BIGINT      NOT NULL,
    status        TEXT        NOT NULL,
    expected_date DATE,
    note          TEXT        NOT NULL DEFAULT '',
    cancel_reason TEXT        NOT NULL DEFAULT '',
    created_at    TIMESTAMP   NOT NULL,
    updated_at    TIMESTAMP   NOT NULL,
    sent_at       TIMESTAMP,
    closed_at     TIMESTAMP,
    UNIQUE (store_id, id),
    UNIQUE (store_id, number),
    FOREIGN KEY (store_id, supplier_id) REFERENCES suppliers (store_id, id),
    FOREIGN KEY (store_id, location_id) REFERENCES locations (store_id, id)
);
CREATE INDEX purchase_orders_status ON purchase_orders (store_id, status, expected_date);
CREATE INDEX purchase_orders_supplier ON purchase_orders (store_id, supplier_id);

CREATE TABLE purchase_order_lines (
    store_id          BIGINT NOT NULL,
    purchase_order_id BIGINT NOT NULL,
    variant_id        BIGINT NOT NULL,
    position          INTEGER NOT NULL,
    quantity_ordered  BIGINT NOT NULL,
    quantity_received BIGINT NOT NULL DEFAULT 0,
    quantity_rejected BIGINT NOT NULL DEFAULT 0,
    unit_cost_cents   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, purchase_order_id, variant_id),
    FOREIGN KEY (store_id, purchase_order_id) REFERENCES purchase_orders (store_id, id),
    FOREIGN KEY (store_id, variant_id) REFERENCES variants (store_id, id)
);
CREATE INDEX purchase_order_lines_variant ON purchase_order_lines (store_id, variant_id);

CREATE TABLE transfers (
    store_id         BIGINT      NOT NULL,
    id               INTEGER PRIMARY KEY,
    number           TEXT        NOT NULL,
    from_location_id BIGINT      NOT NULL,
    to_location_id   BIGINT      NOT NULL,
    status           TEXT        NOT NULL,
    expected_date    DATE,
    note             TEXT        NOT NULL DEFAULT '',
    created_at       TIMESTAMP   NOT NULL,
    updated_at       TIMESTAMP   NOT NULL,
    shipped_at       TIMESTAMP,
    UNIQUE (store_id, id),
    UNIQUE (store_id, number),
    CHECK (from_location_id <> to_location_id),
    FOREIGN KEY (store_id, from_location_id) REFERENCES locations (store_id, id),
    FOREIGN KEY (store_id, to_location_id) REFERENCES locations (store_id, id)
);
CREATE INDEX transfers_status ON transfers (store_id, status);

CREATE TABLE transfer_lines (
    store_id          BIGINT  NOT NULL,
    transfer_id       BIGINT  NOT NULL,
    variant_id        BIGINT  NOT NULL,
    position          INTEGER NOT NULL,
    quantity          BIGINT  NOT NULL,
    quantity_received BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, transfer_id, variant_id),
    FOREIGN KEY (store_id, transfer_id) REFERENCES transfers (store_id, id),
    FOREIGN KEY (store_id, variant_id) REFERENCES variants (store_id, id)
);

CREATE TABLE stock_takes (
    store_id     BIGINT      NOT NULL,
    id           INTEGER PRIMARY KEY,
    number       TEXT        NOT NULL,
    location_id  BIGINT      NOT NULL,
    status       TEXT        NOT NULL,
    scope        TEXT        NOT NULL DEFAULT '',
    created_at   TIMESTAMP   NOT NULL,
    updated_at   TIMESTAMP   NOT NULL,
    completed_at TIMESTAMP,
    UNIQUE (store_id, id),
    UNIQUE (store_id, number),
    FOREIGN KEY (store_id, location_id) REFERENCES locations (store_id, id)
);
CREATE INDEX stock_takes_status ON stock_takes (store_id, status);

CREATE TABLE stock_take_lines (
    store_id      BIGINT  NOT NULL,
    stock_take_id BIGINT  NOT NULL,
    variant_id    BIGINT  NOT NULL,
    position      INTEGER NOT NULL,
    expected      BIGINT  NOT NULL,
    counted       BIGINT,
    counted_at    TIMESTAMP,
    PRIMARY KEY (store_id, stock_take_id, variant_id),
    FOREIGN KEY (store_id, stock_take_id) REFERENCES stock_takes (store_id, id),
    FOREIGN KEY (store_id, variant_id) REFERENCES variants (store_id, id)
);

CREATE TABLE supplier_returns (
    store_id          BIGINT      NOT NULL,
    id                INTEGER PRIMARY KEY,
    number            TEXT        NOT NULL,
    supplier_id       BIGINT      NOT NULL,
    location_id       BIGINT      NOT NULL,
    purchase_order_id BIGINT,
    status            TEXT        NOT NULL,
    credit_cents      BIGINT,
    note              TEXT        NOT NULL DEFAULT '',
    created_at        TIMESTAMP   NOT NULL,
    updated_at        TIMESTAMP   NOT NULL,
    shipped_at        TIMESTAMP,
    closed_at         TIMESTAMP,
    UNIQUE (store_id, id),
    UNIQUE (store_id, number),
    FOREIGN KEY (store_id, supplier_id) REFERENCES suppliers (store_id, id),
    FOREIGN KEY (store_id, location_id) REFERENCES locations (store_id, id),
    FOREIGN KEY (store_id, purchase_order_id) REFERENCES purchase_orders (store_id, id)
);
CREATE INDEX supplier_returns_status ON supplier_returns (store_id, status);

CREATE TABLE supplier_return_lines (
    store_id           BIGINT  NOT NULL,
    supplier_return_id BIGINT  NOT NULL,
    variant_id         BIGINT  NOT NULL,
    position           INTEGER NOT NULL,
    quantity           BIGINT  NOT NULL,
    reason             TEXT    NOT NULL DEFAULT '',
    unit_cost_cents    BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, supplier_return_id, variant_id),
    FOREIGN KEY (store_id, supplier_return_id) REFERENCES supplier_returns (store_id, id),
    FOREIGN KEY (store_id, variant_id) REFERENCES variants (store_id, id)
);

-- location_id 0 means the rule applies to the variant at every location.
CREATE TABLE reorder_rules (
    store_id       BIGINT      NOT NULL,
    variant_id     BIGINT      NOT NULL,
    location_id    BIGINT      NOT NULL DEFAULT 0,
    min_qty        BIGINT,
    max_qty        BIGINT,
    safety_stock   BIGINT,
    lead_time_days INTEGER,
    days_of_cover  INTEGER,
    updated_at     TIMESTAMP   NOT NULL,
    PRIMARY KEY (store_id, variant_id, location_id),
    FOREIGN KEY (store_id, variant_id) REFERENCES variants (store_id, id)
);

CREATE TABLE idempotency_keys (
    store_id        BIGINT      NOT NULL REFERENCES stores (id),
    key_id          BIGINT      NOT NULL,
    tool            TEXT        NOT NULL,
    idempotency_key TEXT        NOT NULL,
    request_hash    TEXT        NOT NULL,
    result          TEXT        NOT NULL,
    created_at      TIMESTAMP   NOT NULL,
    PRIMARY KEY (store_id, key_id, tool, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE reorder_rules;
DROP TABLE supplier_return_lines;
DROP TABLE supplier_returns;
DROP TABLE stock_take_lines;
DROP TABLE stock_takes;
DROP TABLE transfer_lines;
DROP TABLE transfers;
DROP TABLE purchase_order_lines;
DROP TABLE purchase_orders;
DROP TABLE daily_sales;
DROP TABLE inventory_adjustments;
DROP TABLE inventory_levels;
DROP TABLE supplier_variants;
DROP TABLE variants;
DROP TABLE products;
DROP TABLE suppliers;
DROP TABLE locations;
DROP TABLE document_counters;
DROP TABLE audit_log;
DROP TABLE api_keys;
DROP TABLE stores;
