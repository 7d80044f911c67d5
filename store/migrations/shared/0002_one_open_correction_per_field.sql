-- A debtor may have one open correction request per field: a second one for the same field
-- is refused rather than queued twice for staff.
CREATE UNIQUE INDEX correction_request_open_field_idx
    ON correction_request (dossier_id, field) WHERE status = 'submitted';
