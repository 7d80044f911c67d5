-- Paying later in one sum (uitstel van betaling, issue 21). A request is granted at once
-- within the agency's rules, else it waits for staff (needs_review) who grant or reject it
-- with a note. A granted deferral is kept when the balance reaches zero, broken when the day
-- (plus grace) passes with money open. At most one in play per dossier (a partial unique
-- index); a dossier never has a deferral and a payment plan in play at once (the store checks
-- the other table in the inserting transaction). `breaches` lists the rules the request broke
-- (JSON), for staff. Deleted with the dossier (retention).
CREATE TABLE payment_deferral (
    id          TEXT PRIMARY KEY,
    dossier_id  TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    status      TEXT NOT NULL
        CHECK (status IN ('needs_review', 'granted', 'rejected', 'kept', 'broken')),
    pay_by      TEXT NOT NULL,
    open_cents  BIGINT NOT NULL,
    reason      TEXT,
    breaches    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    decided_at  BIGINT,
    decided_by  TEXT,
    staff_note  TEXT,
    ended_at    BIGINT
);
CREATE UNIQUE INDEX payment_deferral_one_open_idx ON payment_deferral (dossier_id)
    WHERE status IN ('needs_review', 'granted');
CREATE INDEX payment_deferral_status_idx ON payment_deferral (status, created_at);
