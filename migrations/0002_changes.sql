-- The change log: who changed what and when (crosswalk reassignments, plan publications, ...).
-- Rows are only ever appended; gridmap has no code path that updates or deletes them.
CREATE TABLE gridmap_changes (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    actor   text NOT NULL,
    action  text NOT NULL,
    detail  json NOT NULL
);
