-- Commerce: carts, promotions, shipping and tax, orders with their lines and history, the
-- inventory ledger, payments, refunds and seller payouts. Money is BIGINT minor units (cents).

CREATE TABLE shipping_methods (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    code        VARCHAR(32) NOT NULL,
    name        VARCHAR(100) NOT NULL,
    price       BIGINT NOT NULL CHECK (price >= 0),
    free_over   BIGINT CHECK (free_over >= 0),    -- subtotal from which shipping is free
    min_days    INT NOT NULL CHECK (min_days >= 0),
    max_days    INT NOT NULL,
    is_active   BOOLEAN NOT NULL DEFAULT TRUE,
    position    INT NOT NULL DEFAULT 0,
    CONSTRAINT uq_shipping_methods_code UNIQUE (code),
    CONSTRAINT ck_shipping_methods_days CHECK (max_days >= min_days)
);

-- region '' is the country-wide rate; a region's own row wins over it.
CREATE TABLE tax_rates (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    country   CHAR(2) NOT NULL CHECK (country GLOB '[A-Z][A-Z]'),
    region    VARCHAR(100) NOT NULL DEFAULT '',
    name      VARCHAR(100) NOT NULL,
    rate_bps  INT NOT NULL CHECK (rate_bps BETWEEN 0 AND 10000),
    CONSTRAINT uq_tax_rates_place UNIQUE (country, region)
);

CREATE TABLE promotions (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    code                VARCHAR(50) NOT NULL,
    description         VARCHAR(255) NOT NULL DEFAULT '',
    discount_kind       VARCHAR(16) NOT NULL CHECK (discount_kind IN ('percentage', 'fixed_amount')),
    percent_bps         INT CHECK (percent_bps BETWEEN 1 AND 10000),
    amount_off          BIGINT CHECK (amount_off > 0),
    min_subtotal        BIGINT NOT NULL DEFAULT 0 CHECK (min_subtotal >= 0),
    max_uses            INT CHECK (max_uses > 0),                -- NULL: unlimited
    uses_count          INT NOT NULL DEFAULT 0 CHECK (uses_count >= 0),
    per_customer_limit  INT NOT NULL DEFAULT 1 CHECK (per_customer_limit > 0),
    scope               VARCHAR(16) NOT NULL DEFAULT 'site' CHECK (scope IN ('site', 'category', 'product')),
    scope_category_id   BIGINT REFERENCES categories (id) ON DELETE RESTRICT,
    scope_product_id    BIGINT REFERENCES products (id) ON DELETE RESTRICT,
    valid_from          TEXT NOT NULL,
    valid_until         TEXT NOT NULL,
    is_active           BOOLEAN NOT NULL DEFAULT TRUE,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    CONSTRAINT uq_promotions_code UNIQUE (code),
    CONSTRAINT ck_promotions_code_upper CHECK (code = upper(code)),
    CONSTRAINT ck_promotions_window CHECK (valid_from < valid_until),
    CONSTRAINT ck_promotions_uses CHECK (max_uses IS NULL OR uses_count <= max_uses),
    CONSTRAINT ck_promotions_kind CHECK (
        (discount_kind = 'percentage' AND percent_bps IS NOT NULL AND amount_off IS NULL) OR
        (discount_kind = 'fixed_amount' AND amount_off IS NOT NULL AND percent_bps IS NULL)),
    CONSTRAINT ck_promotions_scope CHECK (
        (scope = 'site' AND scope_category_id IS NULL AND scope_product_id IS NULL) OR
        (scope = 'category' AND scope_category_id IS NOT NULL AND scope_product_id IS NULL) OR
        (scope = 'product' AND scope_product_id IS NOT NULL AND scope_category_id IS NULL))
);
CREATE INDEX idx_promotions_scope_category ON promotions (scope_category_id);
CREATE INDEX idx_promotions_scope_product ON promotions (scope_product_id);
CREATE INDEX idx_promotions_active_window ON promotions (is_active, valid_until);

CREATE TABLE carts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        BIGINT REFERENCES users (id) ON DELETE CASCADE,
    session_token  VARCHAR(64),
    promotion_id   BIGINT REFERENCES promotions (id) ON DELETE SET NULL,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    CONSTRAINT ck_carts_owner CHECK (user_id IS NOT NULL OR session_token IS NOT NULL),
    CONSTRAINT uq_carts_user UNIQUE (user_id),
    CONSTRAINT uq_carts_session UNIQUE (session_token)
);
CREATE INDEX idx_carts_promotion ON carts (promotion_id);
CREATE INDEX idx_carts_updated ON carts (updated_at);

-- unit_price is the price when the item was added, so the cart can point out a change.
CREATE TABLE cart_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    cart_id     BIGINT NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    variant_id  BIGINT NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    quantity    INT NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    unit_price  BIGINT NOT NULL CHECK (unit_price >= 0),
    added_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    CONSTRAINT uq_cart_items_cart_variant UNIQUE (cart_id, variant_id)
);
CREATE INDEX idx_cart_items_variant ON cart_items (variant_id);

CREATE TABLE orders (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    number                VARCHAR(32) NOT NULL,
    user_id               BIGINT NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    status                VARCHAR(24) NOT NULL DEFAULT 'pending_payment'
                          CHECK (status IN ('pending_payment', 'confirmed', 'processing', 'shipped',
                                            'delivered', 'cancelled', 'payment_failed', 'refunded')),
    currency              CHAR(3) NOT NULL DEFAULT 'USD',
    subtotal              BIGINT NOT NULL CHECK (subtotal >= 0),
    discount_total        BIGINT NOT NULL DEFAULT 0 CHECK (discount_total >= 0 AND discount_total <= subtotal),
    shipping_total        BIGINT NOT NULL DEFAULT 0 CHECK (shipping_total >= 0),
    tax_total             BIGINT NOT NULL DEFAULT 0 CHECK (tax_total >= 0),
    grand_total           BIGINT NOT NULL CHECK (grand_total >= 0),
    promotion_id          BIGINT REFERENCES promotions (id) ON DELETE RESTRICT,
    promotion_code        VARCHAR(50),
    shipping_method_id    BIGINT REFERENCES shipping_methods (id) ON DELETE RESTRICT,
    shipping_method_name  VARCHAR(100) NOT NULL,
    shipping_address_id   BIGINT REFERENCES addresses (id) ON DELETE SET NULL,
    ship_name             VARCHAR(200) NOT NULL,
    ship_line1            VARCHAR(255) NOT NULL,
    ship_line2            VARCHAR(255),
    ship_city             VARCHAR(100) NOT NULL,
    ship_region           VARCHAR(100) NOT NULL DEFAULT '',
    ship_postal_code      VARCHAR(20) NOT NULL,
    ship_country          CHAR(2) NOT NULL CHECK (ship_country GLOB '[A-Z][A-Z]'),
    payment_method_id     BIGINT REFERENCES payment_methods (id) ON DELETE SET NULL,
    idempotency_key       VARCHAR(64) NOT NULL,
    tracking_number       VARCHAR(100),
    payment_expires_at    TEXT,
    cancel_reason         VARCHAR(500),
    created_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    CONSTRAINT uq_orders_number UNIQUE (number),
    CONSTRAINT uq_orders_idempotency UNIQUE (user_id, idempotency_key),
    CONSTRAINT ck_orders_total CHECK (grand_total = subtotal - discount_total + shipping_total + tax_total)
);
CREATE INDEX idx_orders_user_created ON orders (user_id, created_at DESC, id DESC);
CREATE INDEX idx_orders_status_created ON orders (status, created_at, id);
CREATE INDEX idx_orders_status_payment_expiry ON orders (status, payment_expires_at);
CREATE INDEX idx_orders_created ON orders (created_at, id);
CREATE INDEX idx_orders_promotion ON orders (promotion_id);
CREATE INDEX idx_orders_shipping_method ON orders (shipping_method_id);
CREATE INDEX idx_orders_shipping_address ON orders (shipping_address_id);
CREATE INDEX idx_orders_payment_method ON orders (payment_method_id);

-- Every line snapshots what was bought: name, SKU, unit price, seller, tax rate.
CREATE TABLE order_items (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id        BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    variant_id      BIGINT NOT NULL REFERENCES product_variants (id) ON DELETE RESTRICT,
    product_id      BIGINT NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    seller_id       BIGINT NOT NULL REFERENCES sellers (id) ON DELETE RESTRICT,
    product_name    VARCHAR(255) NOT NULL,
    variant_name    VARCHAR(255) NOT NULL DEFAULT '',
    sku             VARCHAR(64) NOT NULL,
    unit_price      BIGINT NOT NULL CHECK (unit_price >= 0),
    quantity        INT NOT NULL CHECK (quantity > 0),
    line_subtotal   BIGINT NOT NULL,
    discount        BIGINT NOT NULL DEFAULT 0 CHECK (discount >= 0 AND discount <= line_subtotal),
    tax_rate_bps    INT NOT NULL DEFAULT 0 CHECK (tax_rate_bps BETWEEN 0 AND 10000),
    tax             BIGINT NOT NULL DEFAULT 0 CHECK (tax >= 0),
    line_total      BIGINT NOT NULL,
    CONSTRAINT uq_order_items_order_variant UNIQUE (order_id, variant_id),
    CONSTRAINT ck_order_items_subtotal CHECK (line_subtotal = unit_price * quantity),
    CONSTRAINT ck_order_items_total CHECK (line_total = line_subtotal - discount + tax)
);
CREATE INDEX idx_order_items_order ON order_items (order_id);
CREATE INDEX idx_order_items_variant ON order_items (variant_id);
CREATE INDEX idx_order_items_product ON order_items (product_id);
CREATE INDEX idx_order_items_seller ON order_items (seller_id, order_id);

CREATE TABLE order_status_history (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id     BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    from_status  VARCHAR(24),
    to_status    VARCHAR(24) NOT NULL
                 CHECK (to_status IN ('pending_payment', 'confirmed', 'processing', 'shipped',
                                      'delivered', 'cancelled', 'payment_failed', 'refunded')),
    actor_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    note         VARCHAR(500) NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE INDEX idx_order_status_history_order ON order_status_history (order_id, id);
CREATE INDEX idx_order_status_history_actor ON order_status_history (actor_id);

CREATE TABLE promotion_redemptions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    promotion_id  BIGINT NOT NULL REFERENCES promotions (id) ON DELETE RESTRICT,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    order_id      BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    reversed_at   TEXT,                 -- set when the order is cancelled and the use returned
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    CONSTRAINT uq_promotion_redemptions_order UNIQUE (order_id)
);
CREATE INDEX idx_promotion_redemptions_customer ON promotion_redemptions (promotion_id, user_id);
CREATE INDEX idx_promotion_redemptions_user ON promotion_redemptions (user_id);

-- Append-only: stock on hand of a variant always equals the sum of its movements.
CREATE TABLE inventory_movements (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    variant_id  BIGINT NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    delta       INT NOT NULL CHECK (delta <> 0),
    reason      VARCHAR(24) NOT NULL
                CHECK (reason IN ('initial', 'restock', 'sale', 'cancellation', 'payment_failed',
                                  'return', 'adjustment')),
    order_id    BIGINT REFERENCES orders (id) ON DELETE RESTRICT,
    actor_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    note        VARCHAR(500) NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE INDEX idx_inventory_movements_variant ON inventory_movements (variant_id, id);
CREATE INDEX idx_inventory_movements_order ON inventory_movements (order_id);
CREATE INDEX idx_inventory_movements_actor ON inventory_movements (actor_id);

CREATE TABLE payments (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id           BIGINT NOT NULL REFERENCES orders (id) ON DELETE RESTRICT,
    payment_method_id  BIGINT REFERENCES payment_methods (id) ON DELETE SET NULL,
    gateway            VARCHAR(32) NOT NULL,
    idempotency_key    VARCHAR(64) NOT NULL,
    gateway_reference  VARCHAR(128),
    status             VARCHAR(16) NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'captured', 'declined', 'failed', 'unknown', 'voided')),
    amount             BIGINT NOT NULL CHECK (amount >= 0),
    currency           CHAR(3) NOT NULL DEFAULT 'USD',
    card_brand         VARCHAR(20),
    card_last4         CHAR(4),
    failure_reason     VARCHAR(255),
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    CONSTRAINT uq_payments_idempotency UNIQUE (idempotency_key)
);
CREATE INDEX idx_payments_order ON payments (order_id);
CREATE INDEX idx_payments_payment_method ON payments (payment_method_id);
CREATE INDEX idx_payments_status ON payments (status, created_at);

CREATE TABLE refunds (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id         BIGINT NOT NULL REFERENCES payments (id) ON DELETE RESTRICT,
    order_id           BIGINT NOT NULL REFERENCES orders (id) ON DELETE RESTRICT,
    amount             BIGINT NOT NULL CHECK (amount > 0),
    reason             VARCHAR(500) NOT NULL DEFAULT '',
    status             VARCHAR(16) NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'succeeded', 'failed')),
    gateway_reference  VARCHAR(128),
    created_by         BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE INDEX idx_refunds_payment ON refunds (payment_id);
CREATE INDEX idx_refunds_order ON refunds (order_id);
CREATE INDEX idx_refunds_created_by ON refunds (created_by);

CREATE TABLE seller_payouts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    seller_id     BIGINT NOT NULL REFERENCES sellers (id) ON DELETE RESTRICT,
    period_start  TEXT NOT NULL,
    period_end    TEXT NOT NULL,
    gross         BIGINT NOT NULL CHECK (gross >= 0),
    commission    BIGINT NOT NULL CHECK (commission >= 0),
    net           BIGINT NOT NULL,
    status        VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'failed')),
    reference     VARCHAR(128),
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    paid_at       TEXT,
    CONSTRAINT ck_seller_payouts_net CHECK (net = gross - commission),
    CONSTRAINT ck_seller_payouts_period CHECK (period_start < period_end),
    CONSTRAINT uq_seller_payouts_period UNIQUE (seller_id, period_start)
);
