-- Accounts: users of every role, their server-side sessions, addresses and saved payment tokens.
-- Timestamps are TEXT and are kept as UTC text 'YYYY-MM-DD HH:MM:SS.SSS', which sorts in time order.

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    email               VARCHAR(320) NOT NULL,
    password_hash       VARCHAR(255) NOT NULL,
    first_name          VARCHAR(100) NOT NULL,
    last_name           VARCHAR(100) NOT NULL,
    phone               VARCHAR(32),
    role                VARCHAR(16) NOT NULL DEFAULT 'customer'
                        CHECK (role IN ('customer', 'seller', 'admin')),
    status              VARCHAR(16) NOT NULL DEFAULT 'active'
                        CHECK (status IN ('active', 'suspended', 'deleted')),
    totp_secret         VARCHAR(64),
    totp_enabled        BOOLEAN NOT NULL DEFAULT FALSE,
    password_changed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    last_login_at       TEXT,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    deleted_at          TEXT,
    -- emails are stored lower-cased, so this is unique regardless of case
    CONSTRAINT uq_users_email UNIQUE (email),
    CONSTRAINT ck_users_email_lower CHECK (email = lower(email)),
    CONSTRAINT ck_users_deleted CHECK ((status = 'deleted') = (deleted_at IS NOT NULL))
);
CREATE INDEX idx_users_role ON users (role, id);

CREATE TABLE user_recovery_codes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash   VARCHAR(128) NOT NULL,
    used_at     TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE INDEX idx_user_recovery_codes_user ON user_recovery_codes (user_id);

-- Server-side sessions: deleting a user's rows ends their sessions on every node at once.
CREATE TABLE sessions (
    id          VARCHAR(64) PRIMARY KEY,          -- SHA-256 of the cookie's session key
    user_id     BIGINT REFERENCES users (id) ON DELETE CASCADE,
    state       TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    expires_at  TEXT NOT NULL
);
CREATE INDEX idx_sessions_user ON sessions (user_id);
CREATE INDEX idx_sessions_expires ON sessions (expires_at);

CREATE TABLE login_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    email       VARCHAR(320) NOT NULL,
    client_ip   VARCHAR(64) NOT NULL,
    succeeded   BOOLEAN NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE INDEX idx_login_attempts_email ON login_attempts (email, created_at);
CREATE INDEX idx_login_attempts_ip ON login_attempts (client_ip, created_at);

CREATE TABLE addresses (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label        VARCHAR(50) NOT NULL DEFAULT 'Home',
    full_name    VARCHAR(200) NOT NULL,
    line1        VARCHAR(255) NOT NULL,
    line2        VARCHAR(255),
    city         VARCHAR(100) NOT NULL,
    region       VARCHAR(100) NOT NULL DEFAULT '',
    postal_code  VARCHAR(20) NOT NULL,
    country      CHAR(2) NOT NULL CHECK (country GLOB '[A-Z][A-Z]'),   -- ISO 3166-1 alpha-2
    phone        VARCHAR(32),
    is_default   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    deleted_at   TEXT
);
CREATE INDEX idx_addresses_user ON addresses (user_id, id);
CREATE UNIQUE INDEX uq_addresses_one_default ON addresses (user_id)
    WHERE is_default AND deleted_at IS NULL;

-- Only the gateway's token and what a shopper needs to recognise the card; never a card number.
CREATE TABLE payment_methods (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    gateway_token  VARCHAR(255) NOT NULL,
    brand          VARCHAR(20) NOT NULL
                   CHECK (brand IN ('visa', 'mastercard', 'amex', 'discover', 'other')),
    last4          CHAR(4) NOT NULL CHECK (last4 GLOB '[0-9][0-9][0-9][0-9]'),
    exp_month      INT NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
    exp_year       INT NOT NULL CHECK (exp_year BETWEEN 2000 AND 2100),
    is_default     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    deleted_at     TEXT,
    CONSTRAINT uq_payment_methods_token UNIQUE (gateway_token)
);
CREATE INDEX idx_payment_methods_user ON payment_methods (user_id, id);
CREATE UNIQUE INDEX uq_payment_methods_one_default ON payment_methods (user_id)
    WHERE is_default AND deleted_at IS NULL;

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action       VARCHAR(64) NOT NULL,
    entity_type  VARCHAR(32) NOT NULL,
    entity_id    BIGINT,
    details      TEXT NOT NULL DEFAULT '',
    client_ip    VARCHAR(64),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE INDEX idx_audit_log_actor ON audit_log (actor_id);
CREATE INDEX idx_audit_log_entity ON audit_log (entity_type, entity_id);
CREATE INDEX idx_audit_log_created ON audit_log (created_at, id);
