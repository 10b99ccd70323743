-- The role a ShopWave node runs as on PostgreSQL: it reads and writes rows and uses the id
-- sequences, and can change nothing else (no table created, altered, dropped or truncated).
-- The schema's owner applies migrations (`shopwave migrate` with the owner's DATABASE_URL);
-- nodes run `shopwave serve --migrations check` with this role's URL.
--
-- Run as the owner of the shop's tables, in the shop's database; replace the role name, the
-- schema (here shop_schema) and the password to suit. `tests/http/least_privilege.rs` runs this
-- file as written, with its own names, and checks the shop works and the role cannot do more.
-- Not the owner and not a superuser, nor BYPASSRLS: the row-level security policies that confine
-- a seller panel's reads to the seller's rows (migrations/postgres/*_acting_seller and the *_rows after it) bind it.
CREATE ROLE shopwave_app LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD 'change-me';
GRANT USAGE ON SCHEMA shop_schema TO shopwave_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA shop_schema TO shopwave_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA shop_schema TO shopwave_app;
-- The same rights on the tables and sequences later migrations (run by the owner) create.
ALTER DEFAULT PRIVILEGES IN SCHEMA shop_schema
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO shopwave_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA shop_schema
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO shopwave_app;
-- The limits each of the node's connections sets for itself (src/db/mod.rs): one stuck query
-- or lock cannot hold the pool. A node behind a pooler in transaction mode
-- (`--db-pooler transaction`) cannot set them per connection and refuses to start unless the
-- role carries them.
ALTER ROLE shopwave_app SET lock_timeout = '5s';
ALTER ROLE shopwave_app SET statement_timeout = '30s';
ALTER ROLE shopwave_app SET idle_in_transaction_session_timeout = '60s';
