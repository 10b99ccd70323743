-- `shopwave archive` (src/archive.rs) takes the months of orders before a date out of the
-- database into files: the orders, their lines and the rows that exist only for them. Three
-- kinds of row stay and lose only their link to the archived order (the archive's files keep
-- it): the stock ledger (its order_id was always optional), which must go on summing to stock
-- on hand; payout lines (2026-12-08-000002), which still add up to their statement; and voucher
-- redemptions, here, which still count against a customer's limit.
ALTER TABLE promotion_redemptions ALTER COLUMN order_id DROP NOT NULL;
