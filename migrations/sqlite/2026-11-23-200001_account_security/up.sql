-- Registration attempts are throttled per client address like sign-ins, so attempts say what
-- they were for; a used TOTP time step is remembered so a code cannot be replayed.
ALTER TABLE login_attempts ADD COLUMN purpose VARCHAR(16) NOT NULL DEFAULT 'login'
    CHECK (purpose IN ('login', 'register'));
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
