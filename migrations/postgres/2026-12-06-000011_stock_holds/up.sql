-- One row per shopper and variant held by their open checkout, with its end
-- (src/inventory/holds.rs); each variant's `held` is the sum of its rows.
-- Its two foreign keys lock users and product_variants for the statement; waits at most 2 s.
SET LOCAL lock_timeout = '2s';
-- lock-ok: checkouts only read users (FOR KEY SHARE), which SHARE ROW EXCLUSIVE does not block
CREATE TABLE stock_holds (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    variant_id BIGINT NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    quantity   INT NOT NULL CHECK (quantity > 0),
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, variant_id)
);
CREATE INDEX stock_holds_expiry ON stock_holds (expires_at);
