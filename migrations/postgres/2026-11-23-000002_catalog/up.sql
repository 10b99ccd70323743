-- Catalog: sellers, the category tree, products with their variants, images, prices, the
-- inventory ledger, reviews, wishlists and the search outbox.

CREATE TABLE sellers (
    id              BIGSERIAL PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    display_name    VARCHAR(255) NOT NULL,
    slug            VARCHAR(255) NOT NULL,
    contact_email   VARCHAR(320) NOT NULL,
    commission_bps  INT NOT NULL DEFAULT 1500 CHECK (commission_bps BETWEEN 0 AND 10000),
    payout_account  VARCHAR(255),                 -- a payout provider's token, never a raw account
    status          VARCHAR(16) NOT NULL DEFAULT 'active'
                    CHECK (status IN ('pending', 'active', 'suspended')),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_sellers_user UNIQUE (user_id),
    CONSTRAINT uq_sellers_slug UNIQUE (slug),
    CONSTRAINT uq_sellers_contact_email UNIQUE (contact_email)
);

-- path is the materialised chain of ids, '/1/5/23/', so a subtree is one prefix match.
CREATE TABLE categories (
    id           BIGSERIAL PRIMARY KEY,
    parent_id    BIGINT REFERENCES categories (id) ON DELETE RESTRICT,
    name         VARCHAR(100) NOT NULL,
    slug         VARCHAR(100) NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    path         VARCHAR(255) NOT NULL,
    depth        INT NOT NULL DEFAULT 0 CHECK (depth BETWEEN 0 AND 8),
    position     INT NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_categories_slug UNIQUE (slug),
    CONSTRAINT uq_categories_path UNIQUE (path),
    CONSTRAINT ck_categories_root CHECK ((parent_id IS NULL) = (depth = 0))
);
CREATE INDEX idx_categories_parent ON categories (parent_id, position);
CREATE INDEX idx_categories_path ON categories (path text_pattern_ops);

-- price_min/price_max/in_stock and the rating columns are maintained from variants and approved
-- reviews in the same transaction as the change, so listings never aggregate at read time.
CREATE TABLE products (
    id                   BIGSERIAL PRIMARY KEY,
    seller_id            BIGINT NOT NULL REFERENCES sellers (id) ON DELETE RESTRICT,
    primary_category_id  BIGINT NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    name                 VARCHAR(255) NOT NULL,
    slug                 VARCHAR(255) NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    status               VARCHAR(16) NOT NULL DEFAULT 'draft'
                         CHECK (status IN ('draft', 'active', 'archived')),
    is_featured          BOOLEAN NOT NULL DEFAULT FALSE,
    price_min            BIGINT NOT NULL DEFAULT 0 CHECK (price_min >= 0),
    price_max            BIGINT NOT NULL DEFAULT 0 CHECK (price_max >= price_min),
    in_stock             BOOLEAN NOT NULL DEFAULT FALSE,
    rating_avg           INT NOT NULL DEFAULT 0 CHECK (rating_avg BETWEEN 0 AND 500),  -- hundredths
    rating_count         INT NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    rating_sum           BIGINT NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at           TIMESTAMPTZ,
    CONSTRAINT uq_products_slug UNIQUE (slug)
);
CREATE INDEX idx_products_seller ON products (seller_id, id);
CREATE INDEX idx_products_primary_category ON products (primary_category_id);
-- Listing indexes lead with status rather than being partial: queries bind 'active' as a
-- parameter, and neither planner can match a bound parameter to a partial index's predicate.
CREATE INDEX idx_products_status_price ON products (status, price_min, id);
CREATE INDEX idx_products_status_rating ON products (status, rating_avg, id);
CREATE INDEX idx_products_status_created ON products (status, created_at, id);
CREATE INDEX idx_products_status_featured ON products (status, is_featured, id);

CREATE TABLE product_variants (
    id                BIGSERIAL PRIMARY KEY,
    product_id        BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    sku               VARCHAR(64) NOT NULL,
    name              VARCHAR(255) NOT NULL DEFAULT '',
    options           TEXT NOT NULL DEFAULT '{}',       -- JSON object: {"Size": "M", "Colour": "Red"}
    price             BIGINT NOT NULL CHECK (price >= 0),
    compare_at_price  BIGINT CHECK (compare_at_price >= 0),
    stock             INT NOT NULL DEFAULT 0 CHECK (stock >= 0),
    reorder_point     INT NOT NULL DEFAULT 0 CHECK (reorder_point >= 0),
    weight_grams      INT CHECK (weight_grams >= 0),
    position          INT NOT NULL DEFAULT 0,
    is_active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_product_variants_sku UNIQUE (sku)
);
CREATE INDEX idx_product_variants_product ON product_variants (product_id, position);
CREATE INDEX idx_product_variants_low_stock ON product_variants (product_id) WHERE stock <= reorder_point;

CREATE TABLE product_categories (
    product_id   BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    category_id  BIGINT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, category_id)
);
CREATE INDEX idx_product_categories_category ON product_categories (category_id, product_id);

CREATE TABLE product_images (
    id          BIGSERIAL PRIMARY KEY,
    product_id  BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    url         VARCHAR(500) NOT NULL,
    alt_text    VARCHAR(255) NOT NULL DEFAULT '',
    position    INT NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_product_images_product ON product_images (product_id, position);

CREATE TABLE price_history (
    id          BIGSERIAL PRIMARY KEY,
    variant_id  BIGINT NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    old_price   BIGINT CHECK (old_price >= 0),
    new_price   BIGINT NOT NULL CHECK (new_price >= 0),
    changed_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    changed_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_price_history_variant ON price_history (variant_id, changed_at);
CREATE INDEX idx_price_history_changed_by ON price_history (changed_by);

CREATE TABLE reviews (
    id                    BIGSERIAL PRIMARY KEY,
    user_id               BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id            BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    rating                INT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title                 VARCHAR(255) NOT NULL DEFAULT '',
    body                  TEXT NOT NULL DEFAULT '',
    status                VARCHAR(16) NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'approved', 'rejected')),
    is_verified_purchase  BOOLEAN NOT NULL DEFAULT FALSE,
    moderated_by          BIGINT REFERENCES users (id) ON DELETE SET NULL,
    moderated_at          TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_reviews_user_product UNIQUE (user_id, product_id)
);
CREATE INDEX idx_reviews_product_status ON reviews (product_id, status, created_at, id);
CREATE INDEX idx_reviews_moderation ON reviews (status, created_at, id);
CREATE INDEX idx_reviews_moderated_by ON reviews (moderated_by);

CREATE TABLE wishlist_items (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id  BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    added_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT uq_wishlist_items_user_product UNIQUE (user_id, product_id)
);
CREATE INDEX idx_wishlist_items_user ON wishlist_items (user_id, added_at, id);
CREATE INDEX idx_wishlist_items_product ON wishlist_items (product_id);

-- Written in the same transaction as every change search must see; no foreign key, so the row
-- outlives a deleted product and the indexer can remove it from the index.
CREATE TABLE search_outbox (
    id          BIGSERIAL PRIMARY KEY,
    product_id  BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_search_outbox_product ON search_outbox (product_id);
