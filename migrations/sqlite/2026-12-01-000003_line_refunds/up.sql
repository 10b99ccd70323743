-- What of a line is given back or reserved for a refund in flight, beside the payment's own
-- total: refunds for a line (a seller's cancel, a return, an admin's line refund) never exceed
-- its paid share, whoever asks at the same time; the database refuses more.
ALTER TABLE order_items ADD COLUMN refunded_amount BIGINT NOT NULL DEFAULT 0
    CHECK (refunded_amount BETWEEN 0 AND line_total);
UPDATE order_items SET refunded_amount = (
    SELECT COALESCE(SUM(r.amount), 0) FROM refunds r
    WHERE r.order_item_id = order_items.id AND r.status IN ('pending', 'succeeded'));
