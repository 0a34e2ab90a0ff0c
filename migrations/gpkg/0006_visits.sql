-- Visits (民情联系), as the PostGIS migrations/0007_visits.sql: append-only, one row per client_id, times as
-- RFC 3339 UTC text. Not a GeoPackage feature table: the phone's position is a pair of numbers beside the
-- record, not a layer.

CREATE TABLE IF NOT EXISTS gridmap_visits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL UNIQUE,
    household_code TEXT NOT NULL,
    grid_code TEXT,
    community_code TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('走访', '电话', '上门服务')),
    note TEXT NOT NULL,
    tags TEXT NOT NULL,
    visited_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    account TEXT NOT NULL,
    lon REAL,
    lat REAL,
    distance_m REAL,
    flagged_far BOOLEAN NOT NULL
);
CREATE INDEX IF NOT EXISTS gridmap_visits_household_idx ON gridmap_visits (household_code, visited_at);
CREATE INDEX IF NOT EXISTS gridmap_visits_grid_idx ON gridmap_visits (grid_code, visited_at);
CREATE INDEX IF NOT EXISTS gridmap_visits_visited_idx ON gridmap_visits (visited_at);

-- Append-only: SQLite itself refuses to change or remove a visit.
CREATE TRIGGER IF NOT EXISTS gridmap_visits_no_update BEFORE UPDATE ON gridmap_visits
BEGIN SELECT RAISE(ABORT, 'visits are append-only'); END;
CREATE TRIGGER IF NOT EXISTS gridmap_visits_no_delete BEFORE DELETE ON gridmap_visits
BEGIN SELECT RAISE(ABORT, 'visits are append-only'); END;
