-- The audit log's hash chain (src/store/audit_chain.rs): each entry carries the hash of the entry before it and
-- its own hash over that and its content, so a change made around gridmap (with the triggers dropped) shows.
--
-- Entries written before this migration are hashed once, by gridmap when it opens the store, not here: the
-- canonical encoding is one rule in one place (SQLite, the other backend, has no SHA-256 in SQL). The
-- migration records how far that backfill goes; an unhashed entry above that id was written out of band.

ALTER TABLE gridmap_audit ADD COLUMN prev_hash text, ADD COLUMN hash text;

INSERT INTO gridmap_meta (key, value)
SELECT 'audit_backfill_upto', COALESCE(MAX(id), 0)::text FROM gridmap_audit;

-- An update may only fill in the hashes of an entry that has none, changing nothing else (the backfill);
-- deleting and truncating stay refused.
CREATE FUNCTION gridmap_audit_fill_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.hash IS NULL AND NEW.hash IS NOT NULL
       AND (NEW.id, NEW.at, NEW.actor, NEW.action, NEW.address, NEW.households, NEW.detail)
           IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.actor, OLD.action, OLD.address, OLD.households, OLD.detail) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;
DROP TRIGGER gridmap_audit_no_change ON gridmap_audit;
CREATE TRIGGER gridmap_audit_no_update BEFORE UPDATE ON gridmap_audit
    FOR EACH ROW EXECUTE FUNCTION gridmap_audit_fill_only();
CREATE TRIGGER gridmap_audit_no_delete BEFORE DELETE ON gridmap_audit
    FOR EACH ROW EXECUTE FUNCTION gridmap_audit_append_only();
