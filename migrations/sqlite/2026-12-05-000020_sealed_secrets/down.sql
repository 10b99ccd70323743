-- Authenticator secrets are stored sealed (`accounts::sealed`); SQLite's TEXT already holds
-- them, so only PostgreSQL's column is widened. Kept so both folders list the same migrations.
SELECT 1;
