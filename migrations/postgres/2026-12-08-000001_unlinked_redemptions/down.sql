-- Fails while a redemption of an archived order remains, as it should: it has no order.
ALTER TABLE promotion_redemptions ALTER COLUMN order_id SET NOT NULL;
