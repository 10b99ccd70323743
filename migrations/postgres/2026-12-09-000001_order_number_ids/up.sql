-- An order found by its number names its month (src/orders/months.rs, `numbered`): the number's
-- row here says which order holds it, so the read that follows probes one partition where a
-- bare `number = $1` probes every month's index (BENCHMARKS.md, "Orders by month").
SET LOCAL lock_timeout = '2s';
ALTER TABLE order_numbers ADD COLUMN order_id BIGINT;

-- From now on every order's number is entered with its id, whichever release inserts it.
CREATE OR REPLACE FUNCTION enter_order_number() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO order_numbers (number, order_id) VALUES (NEW.number, NEW.id);
    RETURN NULL;
END $$;

-- Numbers entered before this migration keep a NULL id, and the shop finds those orders by
-- number alone, in every month, as before. Filling them in is a backfill in small batches after
-- migrating (docs/migrations.md, "Orders found by number").
