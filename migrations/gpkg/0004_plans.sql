-- Planners' drafts, their steps (rows of their own: an edit writes one), each community's plan version and the
-- history of published plans (see store::plans): the same tables as the PostGIS migrations/0004_plans.sql and
-- 0005_plan_steps.sql. Idempotent, like 0001.

CREATE TABLE IF NOT EXISTS gridmap_plan_heads (
    community_code TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS gridmap_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_code TEXT NOT NULL,
    name TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    base_version INTEGER NOT NULL,
    edits INTEGER NOT NULL DEFAULT 0,
    content TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS gridmap_plans_community ON gridmap_plans (community_code);

CREATE TABLE IF NOT EXISTS gridmap_plan_steps (
    plan_id INTEGER NOT NULL REFERENCES gridmap_plans (id),
    seq INTEGER NOT NULL,
    undone BOOLEAN NOT NULL DEFAULT 0,
    edit TEXT NOT NULL,
    step TEXT NOT NULL,
    PRIMARY KEY (plan_id, seq)
);

CREATE TABLE IF NOT EXISTS gridmap_plan_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_code TEXT NOT NULL,
    version INTEGER NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    plan_name TEXT NOT NULL,
    grids_before TEXT NOT NULL,
    grids_after TEXT NOT NULL,
    UNIQUE (community_code, version)
);
