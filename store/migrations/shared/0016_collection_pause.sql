-- A pause in collection (adempauze, issue 21) at the request of municipal debt help: staff
-- record who asked and until when; while it runs no reminders go out and no payment plan or
-- deferral lapses (terms that fall in it count from the day after). `ended_at`: ended early
-- by staff (the pause then covers up to that day). Deleted with the dossier (retention).
CREATE TABLE collection_pause (
    id            TEXT PRIMARY KEY,
    dossier_id    TEXT NOT NULL REFERENCES dossier (id) ON DELETE CASCADE,
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    note          TEXT,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    ended_at      BIGINT,
    ended_by      TEXT
);
CREATE INDEX collection_pause_dossier_idx ON collection_pause (dossier_id);
