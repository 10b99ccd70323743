DROP POLICY seller_rows ON seller_payouts;
ALTER TABLE seller_payouts DISABLE ROW LEVEL SECURITY;
