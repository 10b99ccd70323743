-- Back to one table each: every row of the month partitions moves into the old tables, with its
-- id. Migrating up again then stops at ck_orders_legacy_ids if any order was placed meanwhile:
-- a month id cannot join the legacy partition.
DROP FUNCTION add_order_months(TIMESTAMPTZ, TIMESTAMPTZ);
DROP TRIGGER orders_number_entered ON orders;
DROP FUNCTION enter_order_number();
DROP TABLE order_numbers;
ALTER TABLE order_status_history DROP CONSTRAINT order_status_history_order_id_fkey;
ALTER TABLE promotion_redemptions DROP CONSTRAINT promotion_redemptions_order_id_fkey;
ALTER TABLE inventory_movements DROP CONSTRAINT inventory_movements_order_id_fkey;
ALTER TABLE payments DROP CONSTRAINT payments_order_id_fkey;
ALTER TABLE refunds DROP CONSTRAINT refunds_order_id_fkey, DROP CONSTRAINT refunds_order_item_id_fkey;
ALTER TABLE shipments DROP CONSTRAINT shipments_order_id_fkey;
ALTER TABLE returns DROP CONSTRAINT returns_order_id_fkey, DROP CONSTRAINT returns_order_item_id_fkey;
ALTER TABLE payout_lines DROP CONSTRAINT payout_lines_order_item_id_fkey;
ALTER TABLE order_items DROP CONSTRAINT order_items_order_id_fkey;
ALTER TABLE order_items DETACH PARTITION order_items_legacy;
ALTER TABLE orders DETACH PARTITION orders_legacy;
ALTER TABLE orders_legacy DROP CONSTRAINT ck_orders_legacy_ids, DROP CONSTRAINT ck_orders_month;
ALTER TABLE order_items_legacy DROP CONSTRAINT ck_order_items_legacy_ids,
    DROP CONSTRAINT ck_order_items_month;
INSERT INTO orders_legacy SELECT * FROM orders;
INSERT INTO order_items_legacy SELECT * FROM order_items;
ALTER SEQUENCE orders_id_seq OWNED BY orders_legacy.id;
ALTER SEQUENCE order_items_id_seq OWNED BY order_items_legacy.id;
DROP TABLE order_items;
DROP TABLE orders;
DROP FUNCTION order_month(TIMESTAMPTZ);
ALTER TABLE orders_legacy RENAME TO orders;
ALTER TABLE order_items_legacy RENAME TO order_items;
ALTER INDEX orders_legacy_pkey RENAME TO orders_pkey;
ALTER INDEX order_items_legacy_pkey RENAME TO order_items_pkey;
ALTER INDEX orders_legacy_user_created RENAME TO idx_orders_user_created;
ALTER INDEX orders_legacy_status_created RENAME TO idx_orders_status_created;
ALTER INDEX orders_legacy_status_payment_expiry RENAME TO idx_orders_status_payment_expiry;
ALTER INDEX orders_legacy_created RENAME TO idx_orders_created;
ALTER INDEX orders_legacy_promotion RENAME TO idx_orders_promotion;
ALTER INDEX orders_legacy_shipping_method RENAME TO idx_orders_shipping_method;
ALTER INDEX orders_legacy_shipping_address RENAME TO idx_orders_shipping_address;
ALTER INDEX orders_legacy_payment_method RENAME TO idx_orders_payment_method;
ALTER INDEX order_items_legacy_order RENAME TO idx_order_items_order;
ALTER INDEX order_items_legacy_variant RENAME TO idx_order_items_variant;
ALTER INDEX order_items_legacy_product RENAME TO idx_order_items_product;
ALTER INDEX order_items_legacy_seller RENAME TO idx_order_items_seller;
ALTER TABLE order_status_history ADD FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE;
ALTER TABLE promotion_redemptions ADD FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE;
ALTER TABLE inventory_movements ADD FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE RESTRICT;
ALTER TABLE payments ADD FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE RESTRICT;
ALTER TABLE refunds ADD FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE RESTRICT,
    ADD FOREIGN KEY (order_item_id) REFERENCES order_items (id) ON DELETE RESTRICT;
ALTER TABLE shipments ADD FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE;
ALTER TABLE returns ADD FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
    ADD FOREIGN KEY (order_item_id) REFERENCES order_items (id) ON DELETE CASCADE;
ALTER TABLE payout_lines ADD FOREIGN KEY (order_item_id) REFERENCES order_items (id) ON DELETE RESTRICT;
ALTER TABLE order_items ADD CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id)
    REFERENCES orders (id) ON DELETE CASCADE;
