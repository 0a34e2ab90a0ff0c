//! The door plates (门牌 / 标准地址) of the default dataset: one per household address that names a door, as a
//! public security address base would hold them.
//!
//! A plate stands where its household's door is: a flat's point, or the representative point of a courtyard
//! (the point the one placement rule places the household by, so the plate lies in the household's grid and
//! unit). Households sharing an address share its plate. A household outside every unit has an address with no
//! number (its village only): no plate names it.
//!
//! A plate's code is its unit's code (18 digits) and a 4-digit sequence in the unit, in the order of the
//! households' roster serials: 22 digits, stable while the unit keeps its code, and never one of the other
//! layers' codes (which have 6 to 18 digits, households 13).

use std::collections::{BTreeMap, HashSet};

use geo::{Geometry, Point};
use serde_json::{Map, Value, json};

use crate::atlas::placement::representative_point;
use crate::model::Feature;

use super::layers::round_deg;

/// What a household says about its door plate.
pub struct Door {
    /// The full address, as the household's `address` has it.
    pub address: String,
    /// The part before the number: `上屯村一组`, `南新社区`.
    pub street: String,
    /// The number on the plate: `3号`, `4号楼1单元101`.
    pub number: String,
    pub unit_code: String,
    pub community_code: String,
    /// The household's geometry in lon/lat (its door point or its courtyard).
    pub home: Geometry<f64>,
}

/// The door plates of `doors`, given in the order of the households' roster serials; ordered by code.
pub fn door_plates(doors: &[Door]) -> Vec<Feature> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut next: BTreeMap<&str, u32> = BTreeMap::new();
    let mut out = Vec::new();
    for d in doors {
        if !seen.insert(d.address.as_str()) {
            continue;
        }
        let Some(at) = representative_point(&d.home) else { continue };
        let seq = next.entry(d.unit_code.as_str()).or_insert(0);
        *seq += 1;
        assert!(*seq < 10_000, "unit {} has more than 9999 door plates", d.unit_code);
        let code = format!("{}{:04}", d.unit_code, seq);
        let mut p = Map::new();
        p.insert("code".into(), code.clone().into());
        if let Value::Object(rest) = json!({
            "address": d.address,
            "community_code": d.community_code,
            "unit_code": d.unit_code,
            "street": d.street,
            "number": d.number,
        }) {
            p.extend(rest);
        }
        let point = Geometry::Point(Point::new(round_deg(at.x), round_deg(at.y)));
        out.push(Feature { code, properties: p, geometry: point });
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, polygon};

    fn door(address: &str, unit: &str, home: Geometry<f64>) -> Door {
        Door {
            address: address.into(),
            street: "上屯村一组".into(),
            number: "3号".into(),
            unit_code: unit.into(),
            community_code: "610522001201".into(),
            home,
        }
    }

    #[test]
    fn one_plate_per_address_numbered_in_its_unit() {
        let yard = Geometry::MultiPolygon(MultiPolygon(vec![polygon![(x: 110.0, y: 34.0), (x: 110.0002, y: 34.0), (x: 110.0002, y: 34.0001), (x: 110.0, y: 34.0001)]]));
        let u = "610522001201001001";
        let plates = door_plates(&[
            door("潼关县城关街道上屯村一组3号", u, yard.clone()),
            door("潼关县城关街道上屯村一组3号", u, yard.clone()),
            door("潼关县城关街道上屯村一组4号", u, Geometry::Point(Point::new(110.1, 34.1))),
            door("潼关县城关街道上屯村一组1号", "610522001201001002", Geometry::Point(Point::new(110.2, 34.1))),
        ]);
        let codes: Vec<&str> = plates.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["6105220012010010010001", "6105220012010010010002", "6105220012010010020001"]);
        assert_eq!(plates[0].str_prop("address"), Some("潼关县城关街道上屯村一组3号"));
        // The courtyard's plate stands at its representative point, inside it.
        assert_eq!(plates[0].geometry, Geometry::Point(Point::new(110.0001, 34.00005)));
    }
}
