ALTER TABLE tax_rates DROP COLUMN version;
