-- Stock held for a shopper's open checkout (`holds`): the units each hold sets aside, and the
-- variant's running total of them. What a shopper can buy is `stock - held`; the ledger and
-- `stock` itself are untouched by holds.
ALTER TABLE product_variants ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
CREATE TABLE stock_holds (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    variant_id BIGINT NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, variant_id)
);
CREATE INDEX stock_holds_expiry ON stock_holds (expires_at);
