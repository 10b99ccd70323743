-- A password reset asked for by e-mail: the mailed link's token is stored as its SHA-256, works
-- once (`used_at`) and only until `expires_at`.
CREATE TABLE password_resets (
    id         BIGSERIAL PRIMARY KEY,
    token_hash VARCHAR(64) NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    CONSTRAINT uq_password_resets_token UNIQUE (token_hash)
);
CREATE INDEX idx_password_resets_user ON password_resets (user_id, created_at);
CREATE INDEX idx_password_resets_expires ON password_resets (expires_at);
