-- A debt counsellor's or administrator's access to a debtor's dossier (issue 21).
--
-- Counsellors have accounts like staff (password, two-factor sign-in, the same throttles and
-- challenge tables), told apart by `kind`. A counsellor account's `role` is never read: the
-- staff session check refuses every account of kind 'counsellor', so it opens no staff page.
ALTER TABLE staff_user ADD COLUMN kind TEXT NOT NULL DEFAULT 'staff'
    CHECK (kind IN ('staff', 'counsellor'));

-- The dossier a counsellor's session acts for, chosen among the dossiers they have a live
-- grant for; the grant is checked again at every request, so it is a choice, not a right.
ALTER TABLE session ADD COLUMN acting_for TEXT REFERENCES dossier (id) ON DELETE SET NULL;

-- Who acted when a counsellor acted on a debtor's behalf (actor_kind is then 'debtor'): the
-- debtor sees these events on /dossier/access.
ALTER TABLE audit_event ADD COLUMN counsellor TEXT;

-- The counsellor behind an account: who they are and for whom they work.
CREATE TABLE counsellor (
    username      TEXT PRIMARY KEY REFERENCES staff_user (username) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    organisation  TEXT NOT NULL,
    email         TEXT NOT NULL,
    -- Registered with a municipality's debt help: may ask staff for access without a code.
    municipality  TEXT,
    created_at    BIGINT NOT NULL
);

-- A one-time code a debtor made for their counsellor, valid 14 days; only its SHA-256 is
-- kept (the code is random, 79 bits, and redeeming is throttled). With `email`, only an
-- account with that address can redeem it.
CREATE TABLE counsellor_invitation (
    id             TEXT PRIMARY KEY,
    dossier_id     TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    code_hash      TEXT NOT NULL UNIQUE,
    personal_data  INTEGER NOT NULL CHECK (personal_data IN (0, 1)),
    organisation   TEXT,
    email          TEXT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    redeemed_at    BIGINT,
    redeemed_by    TEXT,
    withdrawn_at   BIGINT
);
CREATE INDEX counsellor_invitation_dossier_idx ON counsellor_invitation (dossier_id);

-- A counsellor's access to one dossier, from an invitation or a request staff approved;
-- ended by the debtor (`revoked_by` 'debtor') or staff. One live grant per pair.
CREATE TABLE counsellor_access (
    id             TEXT PRIMARY KEY,
    dossier_id     TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    counsellor     TEXT NOT NULL REFERENCES counsellor (username) ON DELETE CASCADE,
    personal_data  INTEGER NOT NULL CHECK (personal_data IN (0, 1)),
    via            TEXT NOT NULL CHECK (via IN ('invitation', 'staff')),
    granted_at     BIGINT NOT NULL,
    granted_by     TEXT NOT NULL,
    revoked_at     BIGINT,
    revoked_by     TEXT
);
CREATE UNIQUE INDEX counsellor_access_live_idx ON counsellor_access (dossier_id, counsellor)
    WHERE revoked_at IS NULL;
CREATE INDEX counsellor_access_counsellor_idx ON counsellor_access (counsellor);

-- A municipal counsellor's request for access without the debtor's code; staff decide with
-- a note. One open request per counsellor and dossier.
CREATE TABLE counsellor_access_request (
    id             TEXT PRIMARY KEY,
    counsellor     TEXT NOT NULL REFERENCES counsellor (username) ON DELETE CASCADE,
    dossier_id     TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    reason         TEXT NOT NULL,
    personal_data  INTEGER NOT NULL CHECK (personal_data IN (0, 1)),
    created_at     BIGINT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'granted', 'rejected')),
    decided_at     BIGINT,
    decided_by     TEXT,
    note           TEXT
);
CREATE UNIQUE INDEX counsellor_access_request_open_idx
    ON counsellor_access_request (counsellor, dossier_id) WHERE status = 'open';
