-- The seven layers as GeoPackage feature tables in CGCS2000 (EPSG:4490), and the store's bookkeeping.
--
-- A feature's `properties` object is stored whole as JSON: it is the record, and it round-trips exactly. The
-- named columns between `code` and `properties` are copies of the contract's properties (store::schema), for
-- people who open the file in QGIS or query it in SQL; they are written from `properties` and never read back.
-- Idempotent, like 0001: a file from before the migrations already has all of it.

CREATE TABLE IF NOT EXISTS "county" (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    geom MULTIPOLYGON,
    code TEXT NOT NULL UNIQUE,
    "name" TEXT,
    properties TEXT NOT NULL
);
INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
VALUES ('county', 'features', 'county', '县', 4490);
INSERT OR IGNORE INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
VALUES ('county', 'geom', 'MULTIPOLYGON', 4490, 0, 0);

CREATE TABLE IF NOT EXISTS "towns" (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    geom MULTIPOLYGON,
    code TEXT NOT NULL UNIQUE,
    "name" TEXT,
    "county_code" TEXT,
    properties TEXT NOT NULL
);
INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
VALUES ('towns', 'features', 'towns', '镇/街道', 4490);
INSERT OR IGNORE INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
VALUES ('towns', 'geom', 'MULTIPOLYGON', 4490, 0, 0);

CREATE TABLE IF NOT EXISTS "communities" (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    geom MULTIPOLYGON,
    code TEXT NOT NULL UNIQUE,
    "name" TEXT,
    "town_code" TEXT,
    "kind" TEXT,
    "secretary" TEXT,
    "secretary_phone" TEXT,
    properties TEXT NOT NULL
);
INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
VALUES ('communities', 'features', 'communities', '社区', 4490);
INSERT OR IGNORE INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
VALUES ('communities', 'geom', 'MULTIPOLYGON', 4490, 0, 0);

CREATE TABLE IF NOT EXISTS "villages" (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    geom MULTIPOLYGON,
    code TEXT NOT NULL UNIQUE,
    "name" TEXT,
    "town_code" TEXT,
    "merged_into" TEXT,
    properties TEXT NOT NULL
);
INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
VALUES ('villages', 'features', 'villages', '原行政村', 4490);
INSERT OR IGNORE INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
VALUES ('villages', 'geom', 'MULTIPOLYGON', 4490, 0, 0);

CREATE TABLE IF NOT EXISTS "grids" (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    geom MULTIPOLYGON,
    code TEXT NOT NULL UNIQUE,
    "name" TEXT,
    "community_code" TEXT,
    "manager" TEXT,
    "manager_phone" TEXT,
    "target_households" INTEGER,
    properties TEXT NOT NULL
);
INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
VALUES ('grids', 'features', 'grids', '网格', 4490);
INSERT OR IGNORE INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
VALUES ('grids', 'geom', 'MULTIPOLYGON', 4490, 0, 0);

CREATE TABLE IF NOT EXISTS "units" (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    geom MULTIPOLYGON,
    code TEXT NOT NULL UNIQUE,
    "name" TEXT,
    "grid_code" TEXT,
    "kind" TEXT,
    "leader" TEXT,
    "head" TEXT,
    "head_phone" TEXT,
    properties TEXT NOT NULL
);
INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
VALUES ('units', 'features', 'units', '巷道/楼栋', 4490);
INSERT OR IGNORE INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
VALUES ('units', 'geom', 'MULTIPOLYGON', 4490, 0, 0);

CREATE TABLE IF NOT EXISTS "households" (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    geom GEOMETRY,
    code TEXT NOT NULL UNIQUE,
    "grid_code" TEXT,
    "unit_code" TEXT,
    "village_code" TEXT,
    "address" TEXT,
    "head" TEXT,
    "members" INTEGER,
    "phone" TEXT,
    "tags" TEXT,
    properties TEXT NOT NULL
);
INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
VALUES ('households', 'features', 'households', '户', 4490);
INSERT OR IGNORE INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
VALUES ('households', 'geom', 'GEOMETRY', 4490, 0, 0);

-- gridmap's own bookkeeping: the revision every committed write bumps. Registered as an attribute table:
-- GDAL then lists only registered tables, so the other bookkeeping tables stay out of a GIS user's layer list.
CREATE TABLE IF NOT EXISTS gridmap_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO gridmap_meta (key, value) VALUES ('revision', '0');
INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)
VALUES ('gridmap_meta', 'attributes', 'gridmap_meta', 'gridmap bookkeeping (revision)');

-- The change log of feature updates and publications.
CREATE TABLE IF NOT EXISTS gridmap_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
