-- Debiteurportaal schema, SQLite flavour. The PostgreSQL migration defines the same tables and
-- columns. Conventions: money BIGINT cents, instants BIGINT unix milliseconds, calendar dates
-- TEXT 'YYYY-MM-DD', booleans INTEGER 0/1 (sqlx's Any driver cannot read SQLite BOOLEAN columns).

CREATE TABLE creditor (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    kvk             TEXT,
    contact_email   TEXT,
    contact_phone   TEXT,
    can_deduct_vat  INTEGER NOT NULL CHECK (can_deduct_vat IN (0, 1)),
    interest_kind   TEXT NOT NULL CHECK (interest_kind IN ('consumer', 'commercial')),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE dossier (
    id                    TEXT PRIMARY KEY,
    number                TEXT NOT NULL UNIQUE,
    creditor_id           TEXT NOT NULL REFERENCES creditor (id),
    status                TEXT NOT NULL CHECK (status IN ('open', 'plan', 'paid', 'closed', 'disputed')),
    secret_hash           TEXT,
    secret_rotated_at     BIGINT,
    last_claim_letter_at  TEXT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX dossier_creditor_idx ON dossier (creditor_id);
CREATE INDEX dossier_status_idx ON dossier (status);

CREATE TABLE debtor (
    dossier_id          TEXT PRIMARY KEY REFERENCES dossier (id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('person', 'business')),
    name                TEXT NOT NULL,
    address             TEXT,
    postcode            TEXT,
    city                TEXT,
    phone               TEXT,
    email               TEXT,
    customer_number     TEXT,
    birth_date          TEXT,
    id_document_number  TEXT,
    kvk_number          TEXT,
    vat_number          TEXT,
    updated_at          BIGINT NOT NULL
);

-- Where each personal field came from (GDPR: the debtor may ask). source_ref is the creditor id
-- or the correction request id, depending on source_kind.
CREATE TABLE debtor_field_source (
    dossier_id   TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    field        TEXT NOT NULL,
    source_kind  TEXT NOT NULL CHECK (source_kind IN ('creditor', 'correction')),
    source_ref   TEXT NOT NULL,
    supplied_at  BIGINT NOT NULL,
    PRIMARY KEY (dossier_id, field)
);

CREATE TABLE claim_item (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_id       TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    invoice_number   TEXT NOT NULL,
    invoice_date     TEXT NOT NULL,
    due_date         TEXT NOT NULL,
    principal_cents  BIGINT NOT NULL CHECK (principal_cents >= 0),
    UNIQUE (dossier_id, invoice_number)
);

CREATE TABLE charge (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_id       TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('interest', 'costs')),
    amount_cents     BIGINT NOT NULL,
    rule             TEXT NOT NULL,
    as_of            TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL UNIQUE,
    created_at       BIGINT NOT NULL
);
CREATE INDEX charge_dossier_idx ON charge (dossier_id);

CREATE TABLE payment_plan (
    id                 TEXT PRIMARY KEY,
    dossier_id         TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    status             TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'completed', 'defaulted', 'needs_review')),
    total_cents        BIGINT NOT NULL,
    instalment_count   INTEGER NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
-- At most one plan in play per dossier, so a double submit cannot open two.
CREATE UNIQUE INDEX payment_plan_one_open_idx ON payment_plan (dossier_id)
    WHERE status IN ('proposed', 'active', 'needs_review');

CREATE TABLE plan_instalment (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id       TEXT NOT NULL REFERENCES payment_plan (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    due_date      TEXT NOT NULL,
    amount_cents  BIGINT NOT NULL CHECK (amount_cents > 0),
    status        TEXT NOT NULL CHECK (status IN ('open', 'paid', 'late', 'missed')),
    paid_at       BIGINT,
    UNIQUE (plan_id, seq)
);
CREATE INDEX plan_instalment_due_idx ON plan_instalment (status, due_date);

CREATE TABLE payment (
    id                  TEXT PRIMARY KEY,
    dossier_id          TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    intent_key          TEXT NOT NULL UNIQUE,
    paynl_order_id      TEXT UNIQUE,
    amount_cents        BIGINT NOT NULL CHECK (amount_cents > 0),
    purpose             TEXT NOT NULL CHECK (purpose IN ('full', 'partial', 'instalment')),
    plan_instalment_id  BIGINT REFERENCES plan_instalment (id) ON DELETE SET NULL,
    status              TEXT NOT NULL CHECK (status IN ('initiated', 'pending', 'paid', 'cancelled', 'expired', 'refunded', 'chargeback')),
    flagged             INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
    flag_reason         TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    last_checked_at     BIGINT
);
CREATE INDEX payment_dossier_idx ON payment (dossier_id);
CREATE INDEX payment_status_idx ON payment (status);

-- Append-only: updates are refused by a trigger; deletes happen only when a dossier is purged.
-- The allocation (art. 6:44 BW: costs, interest, principal) plus the unallocated part adds up to
-- the amount. Unallocated is an overpayment held as credit for the debtor (negative when that
-- credit is paid back), so the ledger records every cent actually received.
CREATE TABLE ledger_entry (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_id             TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    kind                   TEXT NOT NULL CHECK (kind IN ('payment', 'refund', 'chargeback', 'adjustment')),
    amount_cents           BIGINT NOT NULL,
    alloc_costs_cents      BIGINT NOT NULL,
    alloc_interest_cents   BIGINT NOT NULL,
    alloc_principal_cents  BIGINT NOT NULL,
    alloc_unallocated_cents BIGINT NOT NULL DEFAULT 0,
    source                 TEXT NOT NULL,
    payment_id             TEXT REFERENCES payment (id),
    idempotency_key        TEXT NOT NULL UNIQUE,
    created_at             BIGINT NOT NULL,
    CHECK (alloc_costs_cents + alloc_interest_cents + alloc_principal_cents
           + alloc_unallocated_cents = amount_cents)
);
CREATE INDEX ledger_entry_dossier_idx ON ledger_entry (dossier_id);
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE ON ledger_entry
BEGIN
    SELECT RAISE(ABORT, 'ledger_entry is append-only');
END;

CREATE TABLE correction_request (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_id      TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    field           TEXT NOT NULL,
    current_value   TEXT,
    proposed_value  TEXT NOT NULL,
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'rejected')),
    staff_note      TEXT,
    created_at      BIGINT NOT NULL,
    due_at          BIGINT NOT NULL,
    decided_at      BIGINT,
    decided_by      TEXT
);
CREATE INDEX correction_request_dossier_idx ON correction_request (dossier_id);
CREATE INDEX correction_request_status_idx ON correction_request (status, due_at);

CREATE TABLE staff_user (
    username       TEXT PRIMARY KEY,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
    created_at     BIGINT NOT NULL
);

-- Sessions are keyed by a hash of the cookie value, so a database leak does not hand out sessions.
CREATE TABLE session (
    id_hash         TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('full', 'pay_only', 'staff')),
    dossier_id      TEXT REFERENCES dossier (id) ON DELETE CASCADE,
    staff_username  TEXT REFERENCES staff_user (username) ON DELETE CASCADE,
    csrf_token      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    CHECK ((kind = 'staff' AND staff_username IS NOT NULL AND dossier_id IS NULL)
        OR (kind <> 'staff' AND dossier_id IS NOT NULL AND staff_username IS NULL))
);
CREATE INDEX session_dossier_idx ON session (dossier_id);
CREATE INDEX session_expires_idx ON session (expires_at);

CREATE TABLE login_attempt (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    key_kind   TEXT NOT NULL CHECK (key_kind IN ('dossier', 'ip', 'staff')),
    key_value  TEXT NOT NULL,
    at         BIGINT NOT NULL,
    success    INTEGER NOT NULL CHECK (success IN (0, 1))
);
CREATE INDEX login_attempt_key_idx ON login_attempt (key_kind, key_value, at);

CREATE TABLE audit_event (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          BIGINT NOT NULL,
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('debtor', 'staff', 'system')),
    actor_id    TEXT,
    dossier_id  TEXT REFERENCES dossier (id) ON DELETE CASCADE,
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    client_ip   TEXT
);
CREATE INDEX audit_event_dossier_idx ON audit_event (dossier_id, at);

CREATE TABLE job_lease (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE exchange_call (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at   BIGINT NOT NULL,
    order_id      TEXT,
    raw_body      TEXT NOT NULL,
    signature_ok  INTEGER NOT NULL CHECK (signature_ok IN (0, 1)),
    outcome       TEXT
);
CREATE INDEX exchange_call_order_idx ON exchange_call (order_id);
