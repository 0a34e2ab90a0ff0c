-- Door plates (门牌 / 标准地址), the optional eighth layer, as the PostGIS migrations/0008_addresses.sql: a
-- GeoPackage point feature table in CGCS2000 (EPSG:4490), so the plates open in QGIS beside the other layers.
-- Idempotent, like the earlier ones.

CREATE TABLE IF NOT EXISTS "addresses" (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    geom POINT,
    code TEXT NOT NULL UNIQUE,
    "address" TEXT,
    "community_code" TEXT,
    "unit_code" TEXT,
    "street" TEXT,
    "number" TEXT,
    properties TEXT NOT NULL
);
INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
VALUES ('addresses', 'features', 'addresses', '门牌地址', 4490);
INSERT OR IGNORE INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
VALUES ('addresses', 'geom', 'POINT', 4490, 0, 0);
