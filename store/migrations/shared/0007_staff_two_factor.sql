-- Two-factor sign-in for staff (TOTP, RFC 6238). The secret is kept in base32 (it must be
-- read back to check codes); the last time step used, so that no code is accepted twice.
ALTER TABLE staff_user ADD COLUMN totp_secret TEXT;
ALTER TABLE staff_user ADD COLUMN totp_last_step BIGINT;

-- Single-use recovery codes, stored only as hashes.
CREATE TABLE staff_recovery_code (
    username   TEXT NOT NULL REFERENCES staff_user (username) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (username, code_hash)
);

-- Between a right password and the second factor: a short-lived challenge, keyed by a hash
-- of the cookie that carries it. While enrolling it holds the new secret and the recovery
-- codes to show once; they are stored for the account only when a first code proves the
-- app has the secret.
CREATE TABLE staff_challenge (
    token_hash      TEXT PRIMARY KEY,
    username        TEXT NOT NULL REFERENCES staff_user (username) ON DELETE CASCADE,
    enrol_secret    TEXT,
    enrol_recovery  TEXT,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX staff_challenge_expires_idx ON staff_challenge (expires_at);
