//! A draft as it would be published, for other tools: its grids with the codes the coding rule gives them
//! (and their draft id, households, people and band), as GeoJSON; or, as a GeoPackage, those grids, the
//! community's lanes and buildings with the grid they would belong to, and the community itself, ready for
//! QGIS. And what a draft grid's wall chart shows.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde_json::{Value, json};

use super::error::{Error, Result};
use super::{Caller, Plans, Privacy};
use crate::model::{Dataset, Feature, Layer};
use crate::store::AccountStore;

/// The forms a draft is exported in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Gpkg,
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Format> {
        match s {
            "geojson" => Ok(Format::GeoJson),
            "gpkg" => Ok(Format::Gpkg),
            other => Err(Error::BadInput(format!("格式 {other} 不可用，可选 geojson、gpkg (format {other:?} is not one of geojson, gpkg)"))),
        }
    }
}

/// An exported draft.
pub struct Exported {
    /// The file name without its extension: `plan-ID-COMMUNITY`.
    pub stem: String,
    pub file: ExportFile,
}

/// The file itself.
pub enum ExportFile {
    /// A FeatureCollection.
    GeoJson(Value),
    /// A GeoPackage file.
    Gpkg(Vec<u8>),
}

/// What a draft grid's wall chart shows: the grid, its neighbours in the draft, and where and what it is.
pub struct DraftChart {
    pub community: String,
    /// The draft grid's properties (name, manager, ...), as copied, unmasked.
    pub properties: serde_json::Map<String, Value>,
    pub outline: geo::MultiPolygon<f64>,
    /// The other grids of the draft, by name.
    pub neighbours: Vec<(String, geo::MultiPolygon<f64>)>,
    /// The chart's footer: which draft, by whom, at which step, unpublished.
    pub footer: String,
}

impl Plans<'_> {
    /// Draft `id` in `format` (GeoJSON if none), audited, personal data as the caller may see it.
    pub async fn export(&self, who: &Caller, privacy: &impl Privacy, id: i64, format: Option<&str>) -> Result<Exported> {
        let (rec, content) = self.load(who, id).await?;
        let form: Format = format.unwrap_or("geojson").parse()?;
        let atlas = &self.atlas;
        let (draft, stats) = self.stats(content.draft).await?;
        let p = draft.publication(atlas, &stats, &[], false)?;
        let draft_id: BTreeMap<&String, &String> = p.codes.iter().map(|(d, c)| (c, d)).collect();
        let grids: Vec<Feature> = p
            .grids
            .iter()
            .map(|f| {
                let mut f = f.clone();
                let did = draft_id.get(&f.code).map(|s| s.to_string()).unwrap_or_default();
                f.properties = privacy.grid_properties(atlas, &did, &f.properties);
                if let Some(g) = stats.grids.iter().find(|g| g.id == did) {
                    f.properties.insert("households".into(), g.households.into());
                    f.properties.insert("people".into(), g.people.into());
                    f.properties.insert("band".into(), g.band.into());
                }
                f.properties.insert("draft_id".into(), did.into());
                f
            })
            .collect();
        let stem = format!("plan-{}-{}", rec.id, rec.community);
        self.store.append_audit(&who.audit("plan.export", json!({ "plan": id, "format": format }))).await?;
        let file = match form {
            Format::GeoJson => {
                let features: Vec<Value> = grids.iter().map(crate::model::geojson_io::feature_json).collect();
                ExportFile::GeoJson(json!({ "type": "FeatureCollection", "name": stem, "features": features }))
            }
            Format::Gpkg => {
                let mut units: Vec<Feature> = atlas.layer(Layer::Units).map_or(vec![], |u| {
                    u.features.iter().filter(|f| draft.units.contains_key(&f.code)).cloned().collect()
                });
                for u in &mut units {
                    if let Some(moved) = p.units.iter().find(|m| m.code == u.code) {
                        *u = moved.clone();
                    }
                    u.properties = privacy.feature_properties(atlas, Layer::Units, u);
                }
                let community: Vec<Feature> = atlas
                    .layer(Layer::Communities)
                    .and_then(|c| c.get(&rec.community))
                    .map(|f| vec![Feature { properties: privacy.feature_properties(atlas, Layer::Communities, f), ..f.clone() }])
                    .unwrap_or_default();
                let mut ds = Dataset::default();
                ds.layers.insert(Layer::Communities, community);
                ds.layers.insert(Layer::Grids, grids);
                ds.layers.insert(Layer::Units, units);
                let bytes = crate::export::gpkg::dataset_bytes(&ds).await.map_err(|e| Error::Internal(e.into()))?;
                ExportFile::Gpkg(bytes)
            }
        };
        Ok(Exported { stem, file })
    }

    /// What the wall chart of grid `grid` of draft `id` shows, as it would be published.
    pub async fn chart(&self, who: &Caller, id: i64, grid: &str) -> Result<DraftChart> {
        let (rec, content) = self.load(who, id).await?;
        let draft = content.draft;
        let g = draft.grid(grid).map_err(|e| Error::NotFound(e.to_string()))?;
        let neighbours = draft
            .grids
            .iter()
            .filter(|(other, _)| *other != grid)
            .map(|(other, g)| (g.properties.get("name").and_then(Value::as_str).unwrap_or(other).to_string(), g.geometry.clone()))
            .collect();
        Ok(DraftChart {
            community: rec.community.clone(),
            properties: g.properties.clone(),
            outline: g.geometry.clone(),
            neighbours,
            footer: format!("规划草案 {} ({}) · 第 {} 步 · 未发布", rec.name, rec.author, rec.edits),
        })
    }
}
