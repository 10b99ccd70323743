ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE login_attempts DROP COLUMN purpose;
