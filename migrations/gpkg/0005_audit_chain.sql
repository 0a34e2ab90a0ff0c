-- The audit log's hash chain (src/store/audit_chain.rs), as the PostGIS migrations/0006_audit_chain.sql: each
-- entry carries the hash of the entry before it and its own hash over that and its content.
--
-- Entries written before this migration are hashed once, by gridmap when it opens the file, not here: SQLite
-- has no SHA-256 in SQL, and the canonical encoding is one rule in one place. The migration records how far
-- that backfill goes; an unhashed entry above that id was written out of band.

ALTER TABLE gridmap_audit ADD COLUMN prev_hash TEXT;
ALTER TABLE gridmap_audit ADD COLUMN hash TEXT;

INSERT OR REPLACE INTO gridmap_meta (key, value)
SELECT 'audit_backfill_upto', CAST(COALESCE(MAX(id), 0) AS TEXT) FROM gridmap_audit;

-- An update may only fill in the hashes of an entry that has none, changing nothing else (the backfill).
DROP TRIGGER IF EXISTS gridmap_audit_no_update;
CREATE TRIGGER gridmap_audit_no_update BEFORE UPDATE ON gridmap_audit
WHEN NOT (OLD.hash IS NULL AND NEW.hash IS NOT NULL AND NEW.id IS OLD.id AND NEW.at IS OLD.at
          AND NEW.actor IS OLD.actor AND NEW.action IS OLD.action AND NEW.address IS OLD.address
          AND NEW.households IS OLD.households AND NEW.detail IS OLD.detail)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
