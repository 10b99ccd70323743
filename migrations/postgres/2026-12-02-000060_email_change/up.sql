-- A signed-in user's change of e-mail address, waiting for the mailed link: the link's token is
-- stored as its SHA-256, works once (`used_at`) and only until `expires_at`.
CREATE TABLE email_changes (
    id         BIGSERIAL PRIMARY KEY,
    token_hash VARCHAR(64) NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    new_email  VARCHAR(320) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    CONSTRAINT uq_email_changes_token UNIQUE (token_hash)
);
CREATE INDEX idx_email_changes_user ON email_changes (user_id, created_at);
CREATE INDEX idx_email_changes_expires ON email_changes (expires_at);
