DROP POLICY seller_rows ON order_items;
ALTER TABLE order_items DISABLE ROW LEVEL SECURITY;
