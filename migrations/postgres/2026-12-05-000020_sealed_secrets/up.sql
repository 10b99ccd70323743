-- Authenticator secrets are stored sealed (`accounts::sealed`): `v1.<key id>.<hex>`, 132
-- characters for a 160-bit secret. Widening a VARCHAR changes only the catalog, no rewrite.
ALTER TABLE users ALTER COLUMN totp_secret TYPE VARCHAR(255);
