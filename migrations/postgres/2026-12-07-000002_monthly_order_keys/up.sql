-- The foreign keys 2026-12-07-000001_monthly_orders re-pointed at the partitioned tables,
-- validated: each reads its table under SHARE UPDATE EXCLUSIVE, which blocks no read or write.
ALTER TABLE order_status_history VALIDATE CONSTRAINT order_status_history_order_id_fkey;
-- lock-ok: SHARE UPDATE EXCLUSIVE blocks no read or write, so nothing waits crosswise
ALTER TABLE promotion_redemptions VALIDATE CONSTRAINT promotion_redemptions_order_id_fkey;
-- lock-ok: SHARE UPDATE EXCLUSIVE blocks no read or write, so nothing waits crosswise
ALTER TABLE inventory_movements VALIDATE CONSTRAINT inventory_movements_order_id_fkey;
-- lock-ok: SHARE UPDATE EXCLUSIVE blocks no read or write, so nothing waits crosswise
ALTER TABLE payments VALIDATE CONSTRAINT payments_order_id_fkey;
-- lock-ok: SHARE UPDATE EXCLUSIVE blocks no read or write, so nothing waits crosswise
ALTER TABLE refunds VALIDATE CONSTRAINT refunds_order_id_fkey;
ALTER TABLE refunds VALIDATE CONSTRAINT refunds_order_item_id_fkey;
-- lock-ok: SHARE UPDATE EXCLUSIVE blocks no read or write, so nothing waits crosswise
ALTER TABLE shipments VALIDATE CONSTRAINT shipments_order_id_fkey;
-- lock-ok: SHARE UPDATE EXCLUSIVE blocks no read or write, so nothing waits crosswise
ALTER TABLE returns VALIDATE CONSTRAINT returns_order_id_fkey;
ALTER TABLE returns VALIDATE CONSTRAINT returns_order_item_id_fkey;
-- lock-ok: SHARE UPDATE EXCLUSIVE blocks no read or write, so nothing waits crosswise
ALTER TABLE payout_lines VALIDATE CONSTRAINT payout_lines_order_item_id_fkey;
-- lock-ok: SHARE UPDATE EXCLUSIVE blocks no read or write, so nothing waits crosswise
ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_month;
-- lock-ok: SHARE UPDATE EXCLUSIVE blocks no read or write, so nothing waits crosswise
ALTER TABLE order_items VALIDATE CONSTRAINT ck_order_items_month;
