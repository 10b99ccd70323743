-- After checkout: one parcel per seller per order, lines a seller cancels, returns, the refund
-- ceiling kept by the database, payout statements with their lines, mail queued with the change
-- that causes it, and the audit log chained by SHA-256.

CREATE TABLE shipments (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id         BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    seller_id        BIGINT NOT NULL REFERENCES sellers (id) ON DELETE RESTRICT,
    status           VARCHAR(16) NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'packed', 'shipped', 'delivered', 'cancelled')),
    carrier          VARCHAR(64),
    tracking_number  VARCHAR(64),
    packed_at        TEXT,
    shipped_at       TEXT,
    delivered_at     TEXT,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    CONSTRAINT uq_shipments_order_seller UNIQUE (order_id, seller_id),
    CONSTRAINT ck_shipments_tracking CHECK (
        status NOT IN ('shipped', 'delivered') OR (carrier IS NOT NULL AND tracking_number IS NOT NULL))
);
CREATE INDEX idx_shipments_seller_status ON shipments (seller_id, status, id);

-- A line its seller could not fill; its stock went back and its paid share was refunded.
ALTER TABLE order_items ADD COLUMN cancelled_at TEXT;
-- Units in returns that are open or done (requested, accepted, received): raised by a
-- conditional update, so no line is ever returned beyond what was bought.
ALTER TABLE order_items ADD COLUMN returned_quantity INT NOT NULL DEFAULT 0
    CHECK (returned_quantity BETWEEN 0 AND quantity);

CREATE TABLE returns (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id        BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    order_item_id   BIGINT NOT NULL REFERENCES order_items (id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    seller_id       BIGINT NOT NULL REFERENCES sellers (id) ON DELETE RESTRICT,
    quantity        INT NOT NULL CHECK (quantity > 0),
    reason          VARCHAR(500) NOT NULL,
    status          VARCHAR(16) NOT NULL DEFAULT 'requested'
                    CHECK (status IN ('requested', 'accepted', 'refused', 'received')),
    seller_message  VARCHAR(500) NOT NULL DEFAULT '',
    restock         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    decided_at      TEXT,
    received_at     TEXT
);
CREATE INDEX idx_returns_order ON returns (order_id);
CREATE INDEX idx_returns_item ON returns (order_item_id);
CREATE INDEX idx_returns_user ON returns (user_id);
CREATE INDEX idx_returns_seller_status ON returns (seller_id, status, id);

-- A refund may be for one line (a seller's cancel, a return, an admin's line refund) or an amount.
ALTER TABLE refunds ADD COLUMN order_item_id BIGINT REFERENCES order_items (id) ON DELETE RESTRICT;
ALTER TABLE refunds ADD COLUMN return_id BIGINT REFERENCES returns (id) ON DELETE RESTRICT;
CREATE INDEX idx_refunds_item ON refunds (order_item_id);
CREATE INDEX idx_refunds_return ON refunds (return_id);

-- What of a payment is given back or reserved for a refund in flight; the database refuses more
-- than was captured.
ALTER TABLE payments ADD COLUMN refunded_amount BIGINT NOT NULL DEFAULT 0
    CHECK (refunded_amount BETWEEN 0 AND amount);
UPDATE payments SET refunded_amount = (
    SELECT COALESCE(SUM(r.amount), 0) FROM refunds r
    WHERE r.payment_id = payments.id AND r.status IN ('pending', 'succeeded'));

-- A payout statement's lines: each order line is paid out at most once.
CREATE TABLE payout_lines (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    payout_id      BIGINT NOT NULL REFERENCES seller_payouts (id) ON DELETE CASCADE,
    order_item_id  BIGINT NOT NULL REFERENCES order_items (id) ON DELETE RESTRICT,
    sales          BIGINT NOT NULL CHECK (sales >= 0),       -- the line before tax, after discount
    refunded       BIGINT NOT NULL CHECK (refunded >= 0),    -- the before-tax part of its refunds
    commission     BIGINT NOT NULL CHECK (commission >= 0),
    CONSTRAINT uq_payout_lines_item UNIQUE (order_item_id),
    CONSTRAINT ck_payout_lines_refunded CHECK (refunded <= sales)
);
CREATE INDEX idx_payout_lines_payout ON payout_lines (payout_id, id);

-- E-mail written in the transaction that causes it, delivered after commit.
CREATE TABLE mail_outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    to_address  VARCHAR(320) NOT NULL,
    subject     VARCHAR(255) NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    sent_at     TEXT
);
CREATE INDEX idx_mail_outbox_unsent ON mail_outbox (sent_at, id);

-- Each audit row's hash covers the previous row's hash and its own content.
ALTER TABLE audit_log ADD COLUMN prev_hash VARCHAR(64);
ALTER TABLE audit_log ADD COLUMN hash VARCHAR(64);
