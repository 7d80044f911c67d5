-- Plan reviews: a plan outside the agency's rules waits for staff, who accept, reject or
-- counter-propose; a counter-proposal is a new plan (status proposed) the debtor may accept.
-- A plan that leaves play without being paid or defaulted (rejected by staff, a
-- counter-proposal declined, a reviewed plan replaced by a counter-proposal) is `rejected`.
ALTER TABLE payment_plan DROP CONSTRAINT payment_plan_status_check;
ALTER TABLE payment_plan ADD CONSTRAINT payment_plan_status_check
    CHECK (status IN ('proposed', 'active', 'completed', 'defaulted', 'needs_review', 'rejected'));

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
