-- E-mail to the debtor (issue 20). The language the debtor last used in the portal (their
-- messages are written in it; none: Dutch) and whether they want reminders (receipts,
-- confirmations and decisions are always sent).
ALTER TABLE dossier ADD COLUMN mail_language TEXT;
ALTER TABLE dossier ADD COLUMN mail_reminders INTEGER NOT NULL DEFAULT 1;

-- The outbox: each message is written in the same transaction as the event that caused it
-- (a payment booked, a plan agreed, a decision), as facts (`payload`, a domain::Notice in
-- JSON), and sent later by the mail job, only within the legal contact hours. `id` is also
-- the Message-ID, so a retry after a lost answer is recognisably the same mail. `dedupe_key`
-- makes a replayed event queue nothing new. What was sent (address, subject, text) is kept
-- with it, so the debtor sees on /dossier/messages exactly what went out. Deleted with the
-- dossier (retention).
CREATE TABLE mail_outbox (
    id            TEXT PRIMARY KEY,
    dossier_id    TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    dedupe_key    TEXT NOT NULL UNIQUE,
    payload       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'unsent')),
    created_at    BIGINT NOT NULL,
    next_attempt  BIGINT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    sent_at       BIGINT,
    recipient     TEXT,
    subject       TEXT,
    body_text     TEXT
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (status, next_attempt);
CREATE INDEX mail_outbox_dossier_idx ON mail_outbox (dossier_id, created_at);
