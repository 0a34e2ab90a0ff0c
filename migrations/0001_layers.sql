-- gridmap: the seven layers of the data contract (../shared/DATA.md), one table each.
--
-- Coordinates are CGCS2000 lon/lat (EPSG:4490). Polygonal layers are typed MultiPolygon (a Polygon is stored
-- as a one-part MultiPolygon); households may be door points or outlines, so their column is typed Geometry.
--
-- `properties` holds the feature's properties object exactly as given (json, not jsonb, to keep key order
-- and text): it is the record, and export writes it back. The named columns beside it are copies of the
-- contract's properties for SQL and desktop GIS users; gridmap writes them and never reads them back.
--
-- Applied migrations are never edited: change the schema with a new file.

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE county (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text,
    properties  json NOT NULL,
    geom        geometry(MultiPolygon, 4490) NOT NULL
);

CREATE TABLE towns (
    id           bigserial PRIMARY KEY,
    code         text NOT NULL UNIQUE,
    name         text,
    county_code  text,
    properties   json NOT NULL,
    geom         geometry(MultiPolygon, 4490) NOT NULL
);

CREATE TABLE communities (
    id               bigserial PRIMARY KEY,
    code             text NOT NULL UNIQUE,
    name             text,
    town_code        text,
    kind             text,
    secretary        text,
    secretary_phone  text,
    properties       json NOT NULL,
    geom             geometry(MultiPolygon, 4490) NOT NULL
);

-- Legacy (pre-2015) administrative villages; merged_into names the community of the official merger list.
CREATE TABLE villages (
    id           bigserial PRIMARY KEY,
    code         text NOT NULL UNIQUE,
    name         text,
    town_code    text,
    merged_into  text,
    properties   json NOT NULL,
    geom         geometry(MultiPolygon, 4490) NOT NULL
);

CREATE TABLE grids (
    id                 bigserial PRIMARY KEY,
    code               text NOT NULL UNIQUE,
    name               text,
    community_code     text,
    manager            text,
    manager_phone      text,
    target_households  bigint,
    properties         json NOT NULL,
    geom               geometry(MultiPolygon, 4490) NOT NULL
);

-- Lanes (巷道) and buildings (楼栋).
CREATE TABLE units (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text,
    grid_code   text,
    kind        text,
    leader      text,
    head        text,
    head_phone  text,
    properties  json NOT NULL,
    geom        geometry(MultiPolygon, 4490) NOT NULL
);

-- grid_code and unit_code are the roster's claims and may be wrong: no foreign keys by design.
CREATE TABLE households (
    id            bigserial PRIMARY KEY,
    code          text NOT NULL UNIQUE,
    grid_code     text,
    unit_code     text,
    village_code  text,
    address       text,
    head          text,
    members       bigint,
    phone         text,
    tags          text,
    properties    json NOT NULL,
    geom          geometry(Geometry, 4490) NOT NULL
);

CREATE INDEX county_geom_idx ON county USING gist (geom);
CREATE INDEX towns_geom_idx ON towns USING gist (geom);
CREATE INDEX communities_geom_idx ON communities USING gist (geom);
CREATE INDEX villages_geom_idx ON villages USING gist (geom);
CREATE INDEX grids_geom_idx ON grids USING gist (geom);
CREATE INDEX units_geom_idx ON units USING gist (geom);
CREATE INDEX households_geom_idx ON households USING gist (geom);
CREATE INDEX households_grid_code_idx ON households (grid_code);

-- gridmap's own bookkeeping. `revision` grows with every committed write; servers sharing the database hear
-- of it on the `gridmap_changes` channel and reload.
CREATE TABLE gridmap_meta (
    key    text PRIMARY KEY,
    value  text NOT NULL
);
INSERT INTO gridmap_meta (key, value) VALUES ('revision', '0');
