-- An add to a cart in one round trip: the same steps, in the same order and with the same
-- locks, as the add's write transaction on SQLite (src/cart/add.rs, which calls this and words
-- its refusals). Each statement of a function takes a fresh snapshot, so the cart's lines are
-- read after its row is locked, as in that transaction; the call commits on its own, one durable
-- commit. Written this way because an add was seven round trips on PostgreSQL (BEGIN, four
-- statements, COMMIT, and the session's read), and its round trips, not its work, bounded the
-- adds a second (BENCHMARKS.md, "Cart adds in one call").
--
-- Adds `adding` units of `variant` to the cart of a user (owner_user) or of a visitor's cart
-- token (owner_token), making the cart if there is none; `most` is the largest quantity a line
-- may hold. Returns:
--   product, variant_name, price: the variant; product is NULL when it may not be bought;
--   stock: the units this owner may have (on hand less what others hold, their own hold
--          counted as theirs);
--   in_cart: the line's units before the add;
--   units: the cart's units after the add (before it, when refused);
--   added: whether the units were added.
CREATE FUNCTION cart_add(owner_user BIGINT, owner_token TEXT, variant BIGINT, adding INT,
                         most INT, changed_at TIMESTAMP,
                         OUT added BOOLEAN, OUT product TEXT, OUT variant_name TEXT,
                         OUT price BIGINT, OUT stock INT, OUT in_cart INT, OUT units BIGINT)
    LANGUAGE plpgsql AS $$
DECLARE
    cart BIGINT;
BEGIN
    added := false;
    SELECT p.name, v.name, v.price, GREATEST(v.stock - v.held + COALESCE(h.quantity, 0), 0)
      INTO product, variant_name, price, stock
      FROM product_variants v
      JOIN products p ON p.id = v.product_id
      LEFT JOIN stock_holds h ON h.variant_id = v.id AND h.user_id = COALESCE(owner_user, 0)
     WHERE v.id = variant AND v.is_active AND p.status = 'active' AND p.deleted_at IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    FOR attempt IN 1..2 LOOP
        IF owner_user IS NOT NULL THEN
            UPDATE carts c SET updated_at = changed_at WHERE c.user_id = owner_user
                RETURNING c.id INTO cart;
        ELSE
            UPDATE carts c SET updated_at = changed_at WHERE c.session_token = owner_token
                RETURNING c.id INTO cart;
        END IF;
        EXIT WHEN cart IS NOT NULL;
        -- A first add: two at once both insert, and the second waits for the first's commit,
        -- inserts nothing, and finds the first's cart on the next attempt.
        INSERT INTO carts (user_id, session_token) VALUES (owner_user, owner_token)
            ON CONFLICT DO NOTHING;
    END LOOP;
    IF cart IS NULL THEN
        RAISE EXCEPTION 'the cart was deleted while it was being made';
    END IF;
    SELECT COALESCE(SUM(CASE WHEN i.variant_id = variant THEN i.quantity ELSE 0 END), 0),
           COALESCE(SUM(i.quantity), 0)
      INTO in_cart, units
      FROM cart_items i WHERE i.cart_id = cart;
    IF in_cart + adding > most OR in_cart + adding > stock THEN
        RETURN;
    END IF;
    INSERT INTO cart_items (cart_id, variant_id, quantity, unit_price)
        VALUES (cart, variant, in_cart + adding, price)
        ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = excluded.quantity;
    units := units + adding;
    added := true;
END $$;
