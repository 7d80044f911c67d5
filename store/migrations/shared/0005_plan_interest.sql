-- Payment plans under which statutory interest stops (the agency's rule
-- `interest_during_plan = false`, recorded per plan when it is made so a later config change
-- never reaches back), and when a plan became active (where the pause starts).
ALTER TABLE payment_plan ADD COLUMN interest_stops INTEGER NOT NULL DEFAULT 0 CHECK (interest_stops IN (0, 1));
ALTER TABLE payment_plan ADD COLUMN activated_at BIGINT;
UPDATE payment_plan SET activated_at = created_at WHERE status IN ('active', 'completed', 'defaulted');
