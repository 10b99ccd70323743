ALTER TABLE order_items DROP COLUMN refunded_amount;
