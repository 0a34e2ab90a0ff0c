//! Geometry blobs: GeoPackage binary (GPKG header + WKB) and PostGIS EWKB, through geozero.

use geo::{BoundingRect, Geometry};
use geozero::wkb::{FromWkb, WkbDialect, WkbWriter};
use geozero::{CoordDimensions, GeozeroGeometry};

use super::error::{Error, Result};
use crate::model::crs::STORED_EPSG;

fn write(g: &Geometry<f64>, dialect: WkbDialect, envelope: Vec<f64>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut w = WkbWriter::with_opts(&mut out, dialect, CoordDimensions::xy(), Some(STORED_EPSG as i32), envelope);
    g.process_geom(&mut w).map_err(|e| Error::Geometry(e.to_string()))?;
    Ok(out)
}

/// A GeoPackage geometry blob with the stored SRS and the envelope (minx, maxx, miny, maxy), so that readers can
/// filter without parsing the WKB.
pub fn to_gpkg(g: &Geometry<f64>) -> Result<Vec<u8>> {
    let env = match (g, g.bounding_rect()) {
        (Geometry::Point(_), _) | (_, None) => Vec::new(),
        (_, Some(r)) => vec![r.min().x, r.max().x, r.min().y, r.max().y],
    };
    write(g, WkbDialect::Geopackage, env)
}

/// Reads a GeoPackage geometry blob.
pub fn from_gpkg(mut blob: &[u8]) -> Result<Geometry<f64>> {
    Geometry::from_wkb(&mut blob, WkbDialect::Geopackage).map_err(|e| Error::Geometry(e.to_string()))
}

/// PostGIS extended WKB with the stored SRID.
pub fn to_ewkb(g: &Geometry<f64>) -> Result<Vec<u8>> {
    write(g, WkbDialect::Ewkb, Vec::new())
}

/// Reads PostGIS extended WKB.
pub fn from_ewkb(mut blob: &[u8]) -> Result<Geometry<f64>> {
    Geometry::from_wkb(&mut blob, WkbDialect::Ewkb).map_err(|e| Error::Geometry(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, polygon};

    #[test]
    fn both_blobs_round_trip_exactly() {
        let g = Geometry::MultiPolygon(MultiPolygon(vec![polygon![
            (x: 110.123456789012, y: 34.5), (x: 110.2, y: 34.5), (x: 110.2, y: 34.6000000001)
        ]]));
        assert_eq!(from_gpkg(&to_gpkg(&g).unwrap()).unwrap(), g);
        assert_eq!(from_ewkb(&to_ewkb(&g).unwrap()).unwrap(), g);
    }
}
