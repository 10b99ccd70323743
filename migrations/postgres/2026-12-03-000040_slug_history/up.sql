-- Addresses a product or category used to have: a rename gives it a new slug and keeps the old
-- one here (in the rename's transaction), so `/p/{old}` and `/c/{old}` answer 301 to the current
-- address in one hop. A slug live on a row wins over any history row; taking a slug removes it
-- from the history. Shops upgrading have no recorded renames: products never changed slug
-- before this, and a category's earlier slugs are only in the audit log's free text.
CREATE TABLE product_slug_history (
    slug       VARCHAR(255) PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    retired_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_product_slug_history_product ON product_slug_history (product_id);

CREATE TABLE category_slug_history (
    slug        VARCHAR(100) PRIMARY KEY,
    category_id BIGINT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    retired_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_category_slug_history_category ON category_slug_history (category_id);
