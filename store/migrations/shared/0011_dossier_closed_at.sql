-- When a dossier closed (paid in full or closed), for the Bki's rule that the file is kept
-- at least two years after closing (Besluit kwaliteit incassodienstverlening art. 5.2)
-- before retention removes it. Cleared when a dossier opens again (a refund, a chargeback).
-- Dossiers closed before this column existed count from their last change.
ALTER TABLE dossier ADD COLUMN closed_at BIGINT;
UPDATE dossier SET closed_at = updated_at WHERE status IN ('paid', 'closed');
