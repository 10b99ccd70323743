-- A seller's CSV import: the uploaded file itself (kept here, not in a node's data directory, so
-- any node sharing the database can preview, apply or resume it), its state, and the checkpoint
-- `rows_applied`, advanced in the same transaction as each batch of rows it covers.
CREATE TABLE product_imports (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    seller_id       BIGINT NOT NULL REFERENCES sellers (id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL REFERENCES users (id),
    filename        VARCHAR(255) NOT NULL,
    source          TEXT NOT NULL,
    total_rows      INT NOT NULL CHECK (total_rows >= 0),
    rows_applied    INT NOT NULL DEFAULT 0 CHECK (rows_applied >= 0),
    changes_applied INT NOT NULL DEFAULT 0 CHECK (changes_applied >= 0),
    status          VARCHAR(16) NOT NULL DEFAULT 'previewed'
                    CHECK (status IN ('previewed', 'running', 'done', 'failed')),
    failure         TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE INDEX idx_product_imports_seller ON product_imports (seller_id, id);
-- At most one running import per seller, whatever races.
CREATE UNIQUE INDEX uq_product_imports_running ON product_imports (seller_id) WHERE status = 'running';
