-- Orders and their lines, one partition per month (docs/architecture.md, "Orders by month").
-- An order's id carries its month: yyyymm * 10^10 + a sequence number. So the primary key and
-- every foreign key to orders and order_items stay single columns, a range of months is a range
-- of ids, and a query over dates names only the months it needs (src/orders/months.rs). A line
-- carries its order's month the same way (ck_order_items_month), so each order's lines share
-- one partition. Orders placed before this migration keep their ids, all below 10^10: the
-- tables as they were become one partition, orders_legacy, attached without copying a row.
-- Waits at most 2 s for each lock (docs/migrations.md, "Keep lock waits short").
SET LOCAL lock_timeout = '2s';

CREATE FUNCTION order_month(at TIMESTAMPTZ) RETURNS BIGINT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (extract(year FROM at AT TIME ZONE 'UTC') * 100
            + extract(month FROM at AT TIME ZONE 'UTC'))::BIGINT;

-- The old tables' index names pass to the partitioned tables; the old indexes become theirs.
ALTER INDEX orders_pkey RENAME TO orders_legacy_pkey;
ALTER INDEX order_items_pkey RENAME TO order_items_legacy_pkey;
ALTER INDEX idx_orders_user_created RENAME TO orders_legacy_user_created;
ALTER INDEX idx_orders_status_created RENAME TO orders_legacy_status_created;
ALTER INDEX idx_orders_status_payment_expiry RENAME TO orders_legacy_status_payment_expiry;
ALTER INDEX idx_orders_created RENAME TO orders_legacy_created;
ALTER INDEX idx_orders_promotion RENAME TO orders_legacy_promotion;
ALTER INDEX idx_orders_shipping_method RENAME TO orders_legacy_shipping_method;
ALTER INDEX idx_orders_shipping_address RENAME TO orders_legacy_shipping_address;
ALTER INDEX idx_orders_payment_method RENAME TO orders_legacy_payment_method;
ALTER INDEX idx_order_items_order RENAME TO order_items_legacy_order;
ALTER INDEX idx_order_items_variant RENAME TO order_items_legacy_variant;
ALTER INDEX idx_order_items_product RENAME TO order_items_legacy_product;
ALTER INDEX idx_order_items_seller RENAME TO order_items_legacy_seller;

-- The partitioned tables, made beside the old ones, then put in their place.
CREATE TABLE orders_by_month (LIKE orders INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (id);
-- lock-ok: the foreign keys of a new table lock the tables they refer to (SHARE ROW EXCLUSIVE,
-- which blocks their writes, not their reads) before orders is locked: the order the shop's
-- transactions take them in (an order is written after its shopper, address and variants)
ALTER TABLE orders_by_month
    ALTER COLUMN id SET DEFAULT order_month(now()) * 10000000000 + nextval('orders_id_seq'),
    ADD CONSTRAINT orders_pkey PRIMARY KEY (id),
    ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE RESTRICT,
    ADD CONSTRAINT orders_promotion_id_fkey FOREIGN KEY (promotion_id)
        REFERENCES promotions (id) ON DELETE RESTRICT,
    ADD CONSTRAINT orders_shipping_method_id_fkey FOREIGN KEY (shipping_method_id)
        REFERENCES shipping_methods (id) ON DELETE RESTRICT,
    ADD CONSTRAINT orders_shipping_address_id_fkey FOREIGN KEY (shipping_address_id)
        REFERENCES addresses (id) ON DELETE SET NULL,
    ADD CONSTRAINT orders_payment_method_id_fkey FOREIGN KEY (payment_method_id)
        REFERENCES payment_methods (id) ON DELETE SET NULL;
ALTER SEQUENCE orders_id_seq OWNED BY orders_by_month.id;
CREATE INDEX idx_orders_user_created ON orders_by_month (user_id, created_at DESC, id DESC);
CREATE INDEX idx_orders_status_created ON orders_by_month (status, created_at, id);
CREATE INDEX idx_orders_status_payment_expiry ON orders_by_month (status, payment_expires_at);
CREATE INDEX idx_orders_created ON orders_by_month (created_at, id);
CREATE INDEX idx_orders_promotion ON orders_by_month (promotion_id);
CREATE INDEX idx_orders_shipping_method ON orders_by_month (shipping_method_id);
CREATE INDEX idx_orders_shipping_address ON orders_by_month (shipping_address_id);
CREATE INDEX idx_orders_payment_method ON orders_by_month (payment_method_id);

CREATE TABLE order_items_by_month (LIKE order_items INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (id);
-- lock-ok: as orders_by_month above
ALTER TABLE order_items_by_month
    ALTER COLUMN id SET DEFAULT order_month(now()) * 10000000000 + nextval('order_items_id_seq'),
    ADD CONSTRAINT order_items_pkey PRIMARY KEY (id),
    ADD CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id)
        REFERENCES orders_by_month (id) ON DELETE CASCADE,
    ADD CONSTRAINT order_items_variant_id_fkey FOREIGN KEY (variant_id)
        REFERENCES product_variants (id) ON DELETE RESTRICT,
    ADD CONSTRAINT order_items_product_id_fkey FOREIGN KEY (product_id)
        REFERENCES products (id) ON DELETE RESTRICT,
    ADD CONSTRAINT order_items_seller_id_fkey FOREIGN KEY (seller_id)
        REFERENCES sellers (id) ON DELETE RESTRICT;
ALTER SEQUENCE order_items_id_seq OWNED BY order_items_by_month.id;
CREATE INDEX idx_order_items_order ON order_items_by_month (order_id);
CREATE INDEX idx_order_items_variant ON order_items_by_month (variant_id);
CREATE INDEX idx_order_items_product ON order_items_by_month (product_id);
CREATE INDEX idx_order_items_seller ON order_items_by_month (seller_id, order_id);
ALTER TABLE order_items_by_month ENABLE ROW LEVEL SECURITY;
CREATE POLICY seller_rows ON order_items_by_month
    USING (acting_seller() IS NULL OR seller_id = acting_seller());

-- contract: in this same transaction the partitioned table takes its name, so the release still
-- serving finds orders as it was
-- lock-ok: should a transaction of the serving release hold orders while it waits for a write
-- to users, the deadlock detector or the 2 s lock_timeout ends one of the two: at worst this
-- migration rolls back whole and is run again
ALTER TABLE orders RENAME TO orders_legacy;
-- contract: as orders above
-- lock-ok: as orders above
ALTER TABLE order_items RENAME TO order_items_legacy;
ALTER TABLE orders_by_month RENAME TO orders;
ALTER TABLE order_items_by_month RENAME TO order_items;

-- The old tables become the partition of ids below 10^10. Each CHECK is read once here (one
-- scan, no rewrite); ATTACH then trusts it and scans nothing.
-- lock-ok: one scan of the old ids while orders wait; no rewrite
ALTER TABLE orders_legacy ADD CONSTRAINT ck_orders_legacy_ids CHECK (id < 10000000000);
-- lock-ok: one scan of the old ids while order lines wait; no rewrite
ALTER TABLE order_items_legacy ADD CONSTRAINT ck_order_items_legacy_ids
    CHECK (id < 10000000000 AND order_id < 10000000000);
-- The old lines' key to the old orders: the partitioned tables' key covers them once attached.
ALTER TABLE order_items_legacy DROP CONSTRAINT order_items_order_id_fkey;
ALTER TABLE orders ATTACH PARTITION orders_legacy FOR VALUES FROM (MINVALUE) TO (10000000000);
ALTER TABLE order_items ATTACH PARTITION order_items_legacy
    FOR VALUES FROM (MINVALUE) TO (10000000000);

-- What makes a month's ids mean that month. The legacy partition's CHECKs above already say
-- its ids are no month's; NOT VALID skips reading it again, and PostgreSQL checks every row
-- written from now on.
ALTER TABLE orders ADD CONSTRAINT ck_orders_month
    CHECK (id < 10000000000 OR id / 10000000000 = order_month(created_at)) NOT VALID;
ALTER TABLE order_items ADD CONSTRAINT ck_order_items_month
    CHECK (id / 10000000000 = order_id / 10000000000) NOT VALID;

-- The foreign keys to the old tables now point at the partitioned ones. NOT VALID: the rows
-- they cover were checked against the same rows; 2026-12-07-000002 validates them without
-- blocking writes.
-- lock-ok: catalog changes only (NOT VALID reads no rows)
ALTER TABLE order_status_history DROP CONSTRAINT order_status_history_order_id_fkey,
    ADD CONSTRAINT order_status_history_order_id_fkey FOREIGN KEY (order_id)
        REFERENCES orders (id) ON DELETE CASCADE NOT VALID;
-- lock-ok: catalog changes only (NOT VALID reads no rows)
ALTER TABLE promotion_redemptions DROP CONSTRAINT promotion_redemptions_order_id_fkey,
    ADD CONSTRAINT promotion_redemptions_order_id_fkey FOREIGN KEY (order_id)
        REFERENCES orders (id) ON DELETE CASCADE NOT VALID;
-- lock-ok: catalog changes only (NOT VALID reads no rows)
ALTER TABLE inventory_movements DROP CONSTRAINT inventory_movements_order_id_fkey,
    ADD CONSTRAINT inventory_movements_order_id_fkey FOREIGN KEY (order_id)
        REFERENCES orders (id) ON DELETE RESTRICT NOT VALID;
-- lock-ok: catalog changes only (NOT VALID reads no rows)
ALTER TABLE payments DROP CONSTRAINT payments_order_id_fkey,
    ADD CONSTRAINT payments_order_id_fkey FOREIGN KEY (order_id)
        REFERENCES orders (id) ON DELETE RESTRICT NOT VALID;
-- lock-ok: catalog changes only (NOT VALID reads no rows)
ALTER TABLE refunds DROP CONSTRAINT refunds_order_id_fkey,
    ADD CONSTRAINT refunds_order_id_fkey FOREIGN KEY (order_id)
        REFERENCES orders (id) ON DELETE RESTRICT NOT VALID,
    DROP CONSTRAINT refunds_order_item_id_fkey,
    ADD CONSTRAINT refunds_order_item_id_fkey FOREIGN KEY (order_item_id)
        REFERENCES order_items (id) ON DELETE RESTRICT NOT VALID;
-- lock-ok: catalog changes only (NOT VALID reads no rows)
ALTER TABLE shipments DROP CONSTRAINT shipments_order_id_fkey,
    ADD CONSTRAINT shipments_order_id_fkey FOREIGN KEY (order_id)
        REFERENCES orders (id) ON DELETE CASCADE NOT VALID;
-- lock-ok: catalog changes only (NOT VALID reads no rows)
ALTER TABLE returns DROP CONSTRAINT returns_order_id_fkey,
    ADD CONSTRAINT returns_order_id_fkey FOREIGN KEY (order_id)
        REFERENCES orders (id) ON DELETE CASCADE NOT VALID,
    DROP CONSTRAINT returns_order_item_id_fkey,
    ADD CONSTRAINT returns_order_item_id_fkey FOREIGN KEY (order_item_id)
        REFERENCES order_items (id) ON DELETE CASCADE NOT VALID;
-- lock-ok: catalog changes only (NOT VALID reads no rows)
ALTER TABLE payout_lines DROP CONSTRAINT payout_lines_order_item_id_fkey,
    ADD CONSTRAINT payout_lines_order_item_id_fkey FOREIGN KEY (order_item_id)
        REFERENCES order_items (id) ON DELETE RESTRICT NOT VALID;

-- A unique index on a partitioned table must hold the partition key, so an order number, unique
-- in the whole shop, is kept unique here: every order's number is entered once, by the insert
-- itself, whichever release or tool writes it.
CREATE TABLE order_numbers (number VARCHAR(32) PRIMARY KEY);
INSERT INTO order_numbers (number) SELECT number FROM orders_legacy;
CREATE FUNCTION enter_order_number() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO order_numbers (number) VALUES (NEW.number);
    RETURN NULL;
END $$;
CREATE TRIGGER orders_number_entered AFTER INSERT ON orders
    FOR EACH ROW EXECUTE FUNCTION enter_order_number();

-- Makes the month partitions from `first` through `last` that do not exist yet, each with the
-- unique indexes that hold within a month: an order's number (the index that finds an order by
-- its number, one probe a month), a shopper's idempotency key (across months the cart's row
-- lock in src/checkout/place.rs keeps one checkout from running twice) and a variant within an
-- order's lines. The server calls it for the coming months (src/orders/months.rs). It runs as
-- the tables' owner, since the shop's role may not create tables; it makes at most 14 months a
-- call, waits at most 2 s for a lock, and creates nothing that exists.
CREATE FUNCTION add_order_months(first TIMESTAMPTZ, last TIMESTAMPTZ) RETURNS INT
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT SET lock_timeout = '2s' AS $$
DECLARE
    month DATE := date_trunc('month', first AT TIME ZONE 'UTC');
    made INT := 0;
    key BIGINT;
    next_key BIGINT;
BEGIN
    IF last - first > INTERVAL '14 months' THEN
        RAISE EXCEPTION 'add_order_months makes at most 14 months at a time';
    END IF;
    WHILE month <= (last AT TIME ZONE 'UTC')::DATE LOOP
        key := order_month(month AT TIME ZONE 'UTC');
        next_key := order_month((month + INTERVAL '1 month') AT TIME ZONE 'UTC');
        IF to_regclass(format('orders_p%s', key)) IS NULL THEN
            -- Two makers at once: the second waits here, then finds the month made.
            LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE;
        END IF;
        IF to_regclass(format('orders_p%s', key)) IS NULL THEN
            EXECUTE format('CREATE TABLE orders_p%1$s PARTITION OF orders '
                           'FOR VALUES FROM (%2$s) TO (%3$s)',
                           key, key * 10000000000, next_key * 10000000000);
            EXECUTE format('CREATE UNIQUE INDEX orders_p%1$s_idempotency '
                           'ON orders_p%1$s (user_id, idempotency_key)', key);
            EXECUTE format('CREATE UNIQUE INDEX orders_p%1$s_number ON orders_p%1$s (number)',
                           key);
            EXECUTE format('CREATE TABLE order_items_p%1$s PARTITION OF order_items '
                           'FOR VALUES FROM (%2$s) TO (%3$s)',
                           key, key * 10000000000, next_key * 10000000000);
            EXECUTE format('CREATE UNIQUE INDEX order_items_p%1$s_order_variant '
                           'ON order_items_p%1$s (order_id, variant_id)', key);
            -- Read through order_items, a line is confined by the policy there; this one
            -- confines it when the partition is named directly.
            EXECUTE format('ALTER TABLE order_items_p%1$s ENABLE ROW LEVEL SECURITY', key);
            EXECUTE format('CREATE POLICY seller_rows ON order_items_p%1$s USING '
                           '(acting_seller() IS NULL OR seller_id = acting_seller())', key);
            made := made + 1;
        END IF;
        month := month + INTERVAL '1 month';
    END LOOP;
    RETURN made;
END $$;
SELECT add_order_months(now(), now() + INTERVAL '2 months');
