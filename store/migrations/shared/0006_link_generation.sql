-- The generation of a dossier's letter links: part of each link's signature, so raising it
-- (a new letter with a new code, or staff revoking a lost letter) stops every older link of
-- that dossier at once. Links signed before this column existed are generation 0.
ALTER TABLE dossier ADD COLUMN link_generation BIGINT NOT NULL DEFAULT 0;
