DROP POLICY seller_rows ON product_variants;
ALTER TABLE product_variants DISABLE ROW LEVEL SECURITY;
