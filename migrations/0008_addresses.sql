-- Door plates (门牌 / 标准地址): the optional eighth layer of the data contract, the public security address
-- base's plates with their full addresses. A roster without coordinates is matched to them by address.
--
-- As the other layers: `properties` is the record, the named columns are copies for SQL and desktop GIS users.
-- community_code and unit_code are parent references the dataset check holds to (when given); no foreign keys,
-- as for every layer, since layers are replaced one at a time inside the import's transaction.

CREATE TABLE addresses (
    id              bigserial PRIMARY KEY,
    code            text NOT NULL UNIQUE,
    address         text,
    community_code  text,
    unit_code       text,
    street          text,
    number          text,
    properties      json NOT NULL,
    geom            geometry(Point, 4490) NOT NULL
);

CREATE INDEX addresses_geom_idx ON addresses USING gist (geom);
CREATE INDEX addresses_unit_code_idx ON addresses (unit_code);
