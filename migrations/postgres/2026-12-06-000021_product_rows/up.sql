-- The acting seller's rows only (2026-12-06-000020_acting_seller). Enabling row-level security
-- rewrites and scans nothing.
-- Waits at most 2 s for its table's lock, so requests queued behind it are late, not refused
-- (docs/migrations.md, "Keep lock waits short").
SET LOCAL lock_timeout = '2s';
ALTER TABLE products ENABLE ROW LEVEL SECURITY;
CREATE POLICY seller_rows ON products
    USING (acting_seller() IS NULL OR seller_id = acting_seller());
