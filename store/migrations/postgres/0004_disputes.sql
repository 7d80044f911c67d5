-- Disputes and complaints (issue 8). A dispute questions the claim, per invoice (claim_item_id)
-- or the whole dossier (NULL); a complaint is about the agency itself and puts nothing on
-- hold. Staff acknowledge within two working days (ack_due_at) and decide with reasons
-- (decision_due_at). An open or acknowledged dispute stops interest on what it disputes from
-- the day after it was filed until the day it is decided (see claim::load_claim_input).
CREATE TABLE dispute (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_id       TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    claim_item_id    BIGINT REFERENCES claim_item (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('already_paid', 'never_received', 'wrong_amount', 'not_mine', 'other', 'complaint')),
    explanation      TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'decided')),
    decision         TEXT CHECK (decision IN ('upheld', 'rejected', 'paid')),
    ack_note         TEXT,
    answer           TEXT,
    created_at       BIGINT NOT NULL,
    ack_due_at       BIGINT NOT NULL,
    decision_due_at  BIGINT NOT NULL,
    acknowledged_at  BIGINT,
    acknowledged_by  TEXT,
    decided_at       BIGINT,
    decided_by       TEXT,
    -- The write-off (upheld) or the payment booked from proof (paid).
    ledger_entry_id  BIGINT REFERENCES ledger_entry (id),
    CHECK ((status = 'decided') = (decision IS NOT NULL AND decided_at IS NOT NULL))
);
CREATE INDEX dispute_dossier_idx ON dispute (dossier_id);
CREATE INDEX dispute_status_idx ON dispute (status, ack_due_at);
-- One open dispute per invoice, one per whole dossier, one open complaint per dossier.
CREATE UNIQUE INDEX dispute_one_open_invoice_idx ON dispute (dossier_id, claim_item_id)
    WHERE claim_item_id IS NOT NULL AND kind <> 'complaint' AND status <> 'decided';
CREATE UNIQUE INDEX dispute_one_open_dossier_idx ON dispute (dossier_id)
    WHERE claim_item_id IS NULL AND kind <> 'complaint' AND status <> 'decided';
CREATE UNIQUE INDEX dispute_one_open_complaint_idx ON dispute (dossier_id)
    WHERE kind = 'complaint' AND status <> 'decided';

-- Files sent with a dispute, kept in the database (never on disk under the web root). The
-- type is what the bytes are (sniffed), not what the browser said; the name is sanitised.
CREATE TABLE dispute_attachment (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dispute_id    BIGINT NOT NULL REFERENCES dispute (id) ON DELETE CASCADE,
    dossier_id    TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size_bytes    BIGINT NOT NULL CHECK (size_bytes > 0),
    sha256        TEXT NOT NULL,
    content       BYTEA NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX dispute_attachment_dispute_idx ON dispute_attachment (dispute_id);

-- A ledger adjustment that writes off one invoice (a dispute upheld): claim::build_claim takes
-- it off that invoice instead of allocating it like a payment.
CREATE TABLE invoice_write_off (
    ledger_entry_id  BIGINT PRIMARY KEY REFERENCES ledger_entry (id) ON DELETE CASCADE,
    dossier_id       TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    claim_item_id    BIGINT NOT NULL REFERENCES claim_item (id) ON DELETE CASCADE
);
CREATE INDEX invoice_write_off_dossier_idx ON invoice_write_off (dossier_id);
