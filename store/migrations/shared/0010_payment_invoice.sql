-- The invoice a debtor chose to pay (art. 6:43 lid 1 BW: the debtor may say which debt a
-- payment is for). NULL: no choice, the payment goes to the most onerous debt, then the
-- oldest (art. 6:43 lid 2 BW). Kept when the invoice goes, so the payment stays.
ALTER TABLE payment ADD COLUMN claim_item_id BIGINT REFERENCES claim_item (id) ON DELETE SET NULL;
