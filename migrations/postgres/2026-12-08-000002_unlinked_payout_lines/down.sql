-- Fails while a payout line of an archived order line remains, as it should.
ALTER TABLE payout_lines ALTER COLUMN order_item_id SET NOT NULL;
