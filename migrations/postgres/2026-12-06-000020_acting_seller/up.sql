-- Row-level security for seller data (src/db/seller_rows.rs). A seller panel's reads run in a
-- transaction that sets `shopwave.seller_id`; while it is set, the shop's role sees and changes
-- only that seller's products, variants, order lines, parcels and payouts (the policies of the
-- migrations that follow), so a query that forgets its ownership filter still cannot show
-- another seller's rows. Unset (the storefront, admins, background jobs), every row is visible
-- as before. The owner, who migrates and backs up, is not bound (no FORCE); the nodes never run
-- as the owner (docs/app_role.sql).
CREATE FUNCTION acting_seller() RETURNS BIGINT LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('shopwave.seller_id', true), '')::BIGINT $$;
