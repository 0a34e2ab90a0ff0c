-- Planners' drafts and the history of published plans (src/store/plans.rs).
--
-- A community's plan version counts its publications. A draft remembers the version it was copied from, and
-- publishing moves the version on only from that value (UPDATE ... WHERE version = base): of two planners
-- who drafted from the same version, the second to publish is refused instead of overwriting the first.

CREATE TABLE gridmap_plan_heads (
    community_code  text PRIMARY KEY,
    version         bigint NOT NULL DEFAULT 0
);

-- A draft: its content (grids as GeoJSON, unit assignments, undo and redo steps) is one JSON document.
-- `edits` counts saves, so that two requests editing one draft cannot overwrite each other.
CREATE TABLE gridmap_plans (
    id              bigserial PRIMARY KEY,
    community_code  text NOT NULL,
    name            text NOT NULL,
    author          text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    base_version    bigint NOT NULL,
    edits           bigint NOT NULL DEFAULT 0,
    content         json NOT NULL
);
CREATE INDEX gridmap_plans_community_idx ON gridmap_plans (community_code);

-- Every published version: who, when, and the community's grids before and after (GeoJSON).
CREATE TABLE gridmap_plan_versions (
    id              bigserial PRIMARY KEY,
    community_code  text NOT NULL,
    version         bigint NOT NULL,
    published_by    text NOT NULL,
    published_at    timestamptz NOT NULL DEFAULT now(),
    plan_name       text NOT NULL,
    grids_before    json NOT NULL,
    grids_after     json NOT NULL,
    UNIQUE (community_code, version)
);
