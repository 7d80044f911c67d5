-- The 14-day letters (veertiendagenbrief, art. 6:96 lid 6 BW) of a dossier and the invoices
-- each asked to be paid: the collection costs are derived from them as of any day. One
-- letter per dossier and day.
CREATE TABLE cost_letter (
    dossier_id             TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    sent_on                TEXT NOT NULL,
    costs_announced_cents  BIGINT CHECK (costs_announced_cents >= 0),
    created_at             BIGINT NOT NULL,
    PRIMARY KEY (dossier_id, sent_on)
);

CREATE TABLE cost_letter_invoice (
    dossier_id     TEXT NOT NULL,
    sent_on        TEXT NOT NULL,
    claim_item_id  BIGINT NOT NULL REFERENCES claim_item (id) ON DELETE CASCADE,
    PRIMARY KEY (dossier_id, sent_on, claim_item_id),
    FOREIGN KEY (dossier_id, sent_on) REFERENCES cost_letter (dossier_id, sent_on) ON DELETE CASCADE
);

-- Until now the import booked the WIK costs as `wik:` charges from one letter date per
-- dossier. Carry them over: the last letter date becomes a letter naming every invoice (the
-- claim now counts it only for invoices already due), announcing what was charged, so no
-- dossier owes more than before; then the charges go, as the claim derives the costs.
INSERT INTO cost_letter (dossier_id, sent_on, costs_announced_cents, created_at)
SELECT d.id, substr(d.last_claim_letter_at, 1, 10),
       (SELECT SUM(c.amount_cents) FROM charge c
         WHERE c.dossier_id = d.id AND c.kind = 'costs' AND c.idempotency_key LIKE 'wik:%'),
       d.updated_at
  FROM dossier d
 WHERE d.last_claim_letter_at IS NOT NULL;

INSERT INTO cost_letter_invoice (dossier_id, sent_on, claim_item_id)
SELECT l.dossier_id, l.sent_on, i.id
  FROM cost_letter l JOIN claim_item i ON i.dossier_id = l.dossier_id;

DELETE FROM charge WHERE kind = 'costs' AND idempotency_key LIKE 'wik:%';
