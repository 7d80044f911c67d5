-- A missed instalment moved to the end of its plan once (issue 21): the due date it had
-- before the move. Kept after the instalment is paid, so the schedule still shows that it was
-- moved (and paid late, when the debtor paid it before its new date).
ALTER TABLE plan_instalment ADD COLUMN moved_from TEXT;
