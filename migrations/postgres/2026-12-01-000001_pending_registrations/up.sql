-- A registration waits here until its e-mail address is confirmed through the link mailed to
-- it; only then does the account exist. The link's token is stored as its SHA-256.
CREATE TABLE pending_registrations (
    id            BIGSERIAL PRIMARY KEY,
    token_hash    VARCHAR(64) NOT NULL,
    email         VARCHAR(320) NOT NULL,
    first_name    VARCHAR(100) NOT NULL,
    last_name     VARCHAR(100) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT uq_pending_registrations_token UNIQUE (token_hash),
    CONSTRAINT ck_pending_registrations_email_lower CHECK (email = lower(email))
);
CREATE INDEX idx_pending_registrations_email ON pending_registrations (email);
CREATE INDEX idx_pending_registrations_expires ON pending_registrations (expires_at);
