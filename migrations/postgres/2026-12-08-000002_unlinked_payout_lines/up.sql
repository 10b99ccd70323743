-- A payout line of an archived order line stays on its statement, without the link
-- (2026-12-08-000001_unlinked_redemptions says why).
ALTER TABLE payout_lines ALTER COLUMN order_item_id DROP NOT NULL;
