-- Visits (民情联系): a grid manager's, secretary's or the county's record of contact with a household, kept
-- append-only like the audit log (src/store/visits.rs). Times people read are RFC 3339 UTC text written by
-- gridmap, so both backends compare them alike (text order is time order in that form).
--
-- `client_id` is made on the phone: a resend of the same visit (a retry, an offline queue sent twice) finds
-- the first row instead of adding a second. The grid and community are the household's at the time of the
-- visit; a later plan may move the household, the record stays as it was.

CREATE TABLE gridmap_visits (
    id              bigserial PRIMARY KEY,
    client_id       text NOT NULL UNIQUE,
    household_code  text NOT NULL,
    grid_code       text,                          -- NULL: the household lay in no grid
    community_code  text,
    kind            text NOT NULL CHECK (kind IN ('走访', '电话', '上门服务')),
    note            text NOT NULL,
    tags            text NOT NULL,                 -- JSON array of strings
    visited_at      text NOT NULL,
    recorded_at     text NOT NULL,
    account         text NOT NULL,                 -- the username that recorded it
    lon             double precision,              -- the phone's position, if it gave one
    lat             double precision,
    distance_m      double precision,              -- from that position to the household
    flagged_far     boolean NOT NULL
);
CREATE INDEX gridmap_visits_household_idx ON gridmap_visits (household_code, visited_at);
CREATE INDEX gridmap_visits_grid_idx ON gridmap_visits (grid_code, visited_at);
CREATE INDEX gridmap_visits_visited_idx ON gridmap_visits (visited_at);

-- Append-only: the database itself refuses to change or remove a visit.
CREATE FUNCTION gridmap_visits_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'visits are append-only';
END
$$;
CREATE TRIGGER gridmap_visits_no_change BEFORE UPDATE OR DELETE ON gridmap_visits
    FOR EACH ROW EXECUTE FUNCTION gridmap_visits_append_only();
CREATE TRIGGER gridmap_visits_no_truncate BEFORE TRUNCATE ON gridmap_visits
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_visits_append_only();
