-- Plan reviews: a plan outside the agency's rules waits for staff, who accept, reject or
-- counter-propose; a counter-proposal is a new plan (status proposed) the debtor may accept.
-- A plan that leaves play without being paid or defaulted (rejected by staff, a
-- counter-proposal declined, a reviewed plan replaced by a counter-proposal) is `rejected`.
--
-- SQLite cannot change a CHECK constraint in place, and sqlx runs a SQLite migration inside
-- a transaction where `PRAGMA foreign_keys = OFF` is ignored. Dropping payment_plan would then
-- cascade to plan_instalment (and set payment.plan_instalment_id to NULL), so both are saved
-- first and restored after the rebuild, ids and links included.
CREATE TEMP TABLE saved_plan_instalment AS SELECT * FROM plan_instalment;
CREATE TEMP TABLE saved_payment_link AS
    SELECT id, plan_instalment_id FROM payment WHERE plan_instalment_id IS NOT NULL;

CREATE TABLE payment_plan_new (
    id                 TEXT PRIMARY KEY,
    dossier_id         TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    status             TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'completed', 'defaulted', 'needs_review', 'rejected')),
    total_cents        BIGINT NOT NULL,
    instalment_count   INTEGER NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
INSERT INTO payment_plan_new (id, dossier_id, status, total_cents, instalment_count, created_at, updated_at)
    SELECT id, dossier_id, status, total_cents, instalment_count, created_at, updated_at FROM payment_plan;
DROP TABLE payment_plan;
ALTER TABLE payment_plan_new RENAME TO payment_plan;
CREATE UNIQUE INDEX payment_plan_one_open_idx ON payment_plan (dossier_id)
    WHERE status IN ('proposed', 'active', 'needs_review');

INSERT INTO plan_instalment (id, plan_id, seq, due_date, amount_cents, status, paid_at)
    SELECT id, plan_id, seq, due_date, amount_cents, status, paid_at FROM saved_plan_instalment;
UPDATE payment SET plan_instalment_id = (
    SELECT s.plan_instalment_id FROM saved_payment_link s WHERE s.id = payment.id
) WHERE id IN (SELECT id FROM saved_payment_link);
DROP TABLE saved_plan_instalment;
DROP TABLE saved_payment_link;

CREATE TABLE plan_review (
    plan_id           TEXT PRIMARY KEY REFERENCES payment_plan (id) ON DELETE CASCADE,
    -- The debtor's reason for asking outside the rules.
    reason            TEXT,
    -- For a counter-proposal: the reviewed plan it answers.
    replaces_plan_id  TEXT REFERENCES payment_plan (id) ON DELETE SET NULL,
    decision          TEXT CHECK (decision IN ('accepted', 'rejected', 'countered', 'declined')),
    staff_note        TEXT,
    -- The staff username; NULL when the debtor decided (a counter-proposal accepted or declined).
    decided_by        TEXT,
    decided_at        BIGINT
);
