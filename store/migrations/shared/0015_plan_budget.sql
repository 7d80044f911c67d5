-- The income and expenses statement a debtor may add to a payment-plan request outside the
-- agency's rules (issue 21), one per plan request, and the documents sent with it (payslips,
-- bank statements). Amounts are monthly, in cents; the protected amount (beslagvrije voet),
-- what can be paid and the verdict are what domain::budget::check concluded when it was sent,
-- on the figures of the half year starting `table_from`. Kept while its plan is in review or
-- running and deleted by the housekeeping job 12 months after the plan ended or was turned
-- down (domain::PLAN_BUDGET_KEPT_MONTHS); deleted with the plan and with the dossier.
CREATE TABLE plan_budget (
    plan_id                 TEXT PRIMARY KEY REFERENCES payment_plan (id) ON DELETE CASCADE,
    dossier_id              TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    household               TEXT NOT NULL CHECK (household IN ('single', 'single_parent', 'couple', 'couple_with_children')),
    net_income_cents        BIGINT NOT NULL CHECK (net_income_cents >= 0),
    housing_cents           BIGINT NOT NULL CHECK (housing_cents >= 0),
    health_insurance_cents  BIGINT NOT NULL CHECK (health_insurance_cents >= 0),
    childcare_cents         BIGINT NOT NULL CHECK (childcare_cents >= 0),
    other_debts_cents       BIGINT NOT NULL CHECK (other_debts_cents >= 0),
    other_fixed_cents       BIGINT NOT NULL CHECK (other_fixed_cents >= 0),
    protected_cents         BIGINT NOT NULL CHECK (protected_cents >= 0),
    capacity_cents          BIGINT NOT NULL CHECK (capacity_cents >= 0),
    verdict                 TEXT NOT NULL CHECK (verdict IN ('can_pay', 'below_protected', 'fixed_costs_exceed_income')),
    table_from              TEXT NOT NULL,
    created_at              BIGINT NOT NULL
);
CREATE INDEX plan_budget_dossier_idx ON plan_budget (dossier_id);

-- Files sent with a statement, kept in the database like dispute files (never on disk): the
-- type is what the bytes are (sniffed), the name is sanitised (disputes::attachment).
CREATE TABLE plan_budget_attachment (
    id            TEXT PRIMARY KEY,
    plan_id       TEXT NOT NULL REFERENCES plan_budget (plan_id) ON DELETE CASCADE,
    dossier_id    TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size_bytes    BIGINT NOT NULL CHECK (size_bytes > 0),
    sha256        TEXT NOT NULL,
    content       BYTEA NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX plan_budget_attachment_plan_idx ON plan_budget_attachment (plan_id);
