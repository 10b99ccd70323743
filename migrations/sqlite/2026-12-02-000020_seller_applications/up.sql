-- While a seller is suspended, the products they had for sale are held: made drafts and marked
-- with the time they were held, so reactivation puts back exactly those and no draft the seller
-- kept hidden. The listing queries and their indexes stay as they are (they read status only).
ALTER TABLE products ADD COLUMN held_at TEXT;
-- The admin's seller list: one status at a time, in id order (keyset).
CREATE INDEX idx_sellers_status ON sellers (status, id);
